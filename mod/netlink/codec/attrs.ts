/**
 * Netlink attributes (struct nlattr / rtattr): a 4-byte header `{len u16, type u16}`, the
 * payload, padding to 4 bytes. Nested attributes are attributes whose payload is more
 * attributes; the NLA_F_NESTED bit marks them on the wire.
 *
 * Design notes: each attribute space is a {@linkcode Schema} — an object mapping a field of the
 * typed value to `{type, codec}` — compiled once. The schema's key order is the order the
 * encoder writes, chosen to match the order iproute2 sends (so golden bytes compare equal).
 * Decoding is lossless: attributes the schema does not know, and repeats of ones it does, are
 * kept raw in `attrs` (type bits and payload as received) and re-encoded unchanged after the
 * known ones. Known fields re-encode in canonical form (IFLA_INFO_KIND without the NUL the
 * kernel appends, as iproute2 sends it). Fixed-size payloads of the wrong size throw
 * {@linkcode NetlinkDecodeError}.
 */
import { NetlinkDecodeError } from "../errors.ts";
import { align, type Reader, type Writer } from "./bytes.ts";
import { NLA_F_NESTED, NLA_HDRLEN, NLA_TYPE_MASK } from "./consts.ts";
import { IPAddr } from "../../ip/mod.ts";

/** One attribute exactly as on the wire: the type with its flag bits, and the payload. */
export interface Attr {
  type: number;
  data: Uint8Array;
}

/** How one attribute payload maps to a value. */
export interface AttrCodec<V> {
  /** Writes the payload (the header is written by the caller). */
  put(w: Writer, v: V): void;
  /** Reads `len` payload bytes at `off`. */
  get(r: Reader, off: number, len: number): V;
  /** Exact payload size, checked before `get` (fixed-size integers). */
  readonly size?: number;
  /** Set NLA_F_NESTED on the attribute type when encoding. */
  readonly nested?: boolean;
  /** Leave the attribute out for this value (a flag attribute that is false). */
  omit?(v: V): boolean;
}

/** One field of a schema: its attribute type, the IPv6 twin type if any, and its codec. */
export interface AttrField<V> {
  readonly type: number;
  readonly codec: AttrCodec<V>;
  /** Used instead of `type` when the value is an IPv6 address (IFLA_VXLAN_LOCAL6). */
  readonly type6?: number;
}

/** Field name → attribute, in encoding order. */
export type Schema<T> = { readonly [K in keyof T]?: AttrField<NonNullable<T[K]>> };

type Entry = readonly [key: string, field: AttrField<unknown>];

/** A schema prepared for encoding (ordered entries) and decoding (lookup by type). */
export interface Compiled<T> {
  readonly order: readonly Entry[];
  readonly byType: ReadonlyMap<number, Entry>;
  /** Phantom: ties the compiled form to `T`. */
  readonly _t?: T;
}

/** Prepares `schema` once (at module load; the result is immutable). */
export function compile<T>(schema: Schema<T>): Compiled<T> {
  const order: Entry[] = [];
  const byType = new Map<number, Entry>();
  for (const [key, field] of Object.entries(schema) as [string, AttrField<unknown>][]) {
    const e: Entry = [key, field];
    order.push(e);
    byType.set(field.type, e);
    if (field.type6 !== undefined) byType.set(field.type6, e);
  }
  return { order, byType };
}

/** Shorthand for a schema field. */
export function field<V>(type: number, codec: AttrCodec<V>, type6?: number): AttrField<V> {
  return type6 === undefined ? { type, codec } : { type, codec, type6 };
}

/** Writes one attribute whose payload `put` writes. */
export function putAttr(w: Writer, type: number, put: () => void): void {
  const at = w.mark();
  w.u16(0);
  w.u16(type);
  put();
  w.patchLen(at, 2);
  w.pad();
}

/** Writes a raw attribute unchanged. */
export function putRawAttr(w: Writer, a: Attr): void {
  w.u16(NLA_HDRLEN + a.data.length);
  w.u16(a.type);
  w.raw(a.data);
  w.pad();
}

/** Encodes the known fields of `obj` in schema order, then `extra` raw attributes. */
export function encodeAttrs<T>(
  w: Writer,
  c: Compiled<T>,
  obj: T,
  extra?: readonly Attr[],
): void {
  const o = obj as Record<string, unknown>;
  for (const [key, f] of c.order) {
    const v = o[key];
    if (v === undefined || f.codec.omit?.(v)) continue;
    let type = f.type6 !== undefined && v instanceof IPAddr && v.family === 6 ? f.type6 : f.type;
    if (f.codec.nested) type |= NLA_F_NESTED;
    const at = w.mark();
    w.u16(0);
    w.u16(type);
    f.codec.put(w, v);
    w.patchLen(at, 2);
    w.pad();
  }
  if (extra) { for (const a of extra) putRawAttr(w, a); }
}

/** Where one attribute sits in a buffer: its type bits and its payload span. */
export interface AttrSpan {
  type: number;
  off: number;
  len: number;
}

/**
 * Walks the attributes in `[off, end)` of `r`, validating every length.
 * Throws {@linkcode NetlinkDecodeError} with the offending attribute's offset.
 */
export function forEachAttr(
  r: Reader,
  off: number,
  end: number,
  fn: (type: number, payloadOff: number, payloadLen: number, at: number) => void,
): void {
  while (off + NLA_HDRLEN <= end) {
    const len = r.u16(off);
    const type = r.u16(off + 2);
    if (len < NLA_HDRLEN) throw new NetlinkDecodeError(`Attribute length ${len} < 4`, off);
    if (off + len > end) {
      throw new NetlinkDecodeError(`Attribute ${type} of ${len} bytes overruns its parent`, off);
    }
    fn(type, off + NLA_HDRLEN, len - NLA_HDRLEN, off);
    off += align(len);
  }
  if (off < end) throw new NetlinkDecodeError(`${end - off} stray bytes after attributes`, off);
}

/** The attribute spans in `[off, end)` (for codecs that look at several before deciding). */
export function attrSpans(r: Reader, off: number, end: number): AttrSpan[] {
  const out: AttrSpan[] = [];
  forEachAttr(r, off, end, (type, o, len) => out.push({ type, off: o, len }));
  return out;
}

/**
 * Decodes the attributes in `[off, end)` of `r` into `into`; returns the ones kept raw.
 * Throws {@linkcode NetlinkDecodeError} on a bad attribute length.
 */
export function decodeAttrs<T>(
  r: Reader,
  off: number,
  end: number,
  c: Compiled<T>,
  into: T,
): Attr[] {
  const o = into as Record<string, unknown>;
  const raw: Attr[] = [];
  forEachAttr(r, off, end, (type, p, len, at) => {
    const e = c.byType.get(type & NLA_TYPE_MASK);
    if (!e || o[e[0]] !== undefined) {
      raw.push({ type, data: r.copy(p, len) });
      return;
    }
    const size = e[1].codec.size;
    if (size !== undefined && len !== size) {
      throw new NetlinkDecodeError(
        `Attribute ${type & NLA_TYPE_MASK} has ${len} payload bytes, expected ${size}`,
        at,
      );
    }
    o[e[0]] = e[1].codec.get(r, p, len);
  });
  return raw;
}

/** Splits `[off, end)` into raw attributes (for payloads the codec does not model). */
export function rawAttrs(r: Reader, off: number, end: number): Attr[] {
  return decodeAttrs(r, off, end, NONE, {});
}

const NONE: Compiled<Record<string, never>> = compile({});

/** Encoder and decoder of one message body (fixed header + attributes). */
export interface BodyCodec<T> {
  encode(w: Writer, v: T): void;
  /** Decodes `[off, end)`; throws {@linkcode NetlinkDecodeError} with absolute offsets. */
  decode(r: Reader, off: number, end: number): T;
}
