/**
 * Attribute payload codecs: integers (host order, or big-endian where the kernel says
 * `__be16`), booleans stored as u8, flag attributes (present = true), strings with and without
 * the trailing NUL, link-layer addresses as `aa:bb:…` text, IP addresses, raw bytes, and
 * nested attribute sets.
 */
import { ParseError } from "../../errors.ts";
import { IPAddr } from "../../ip/mod.ts";
import { NetlinkDecodeError } from "../errors.ts";
import { type Attr, type AttrCodec, type Compiled, decodeAttrs, encodeAttrs } from "./attrs.ts";
import type { Writer } from "./bytes.ts";

export const u8: AttrCodec<number> = {
  size: 1,
  put: (w, v) => w.u8(v),
  get: (r, off) => r.u8(off),
};
export const u16: AttrCodec<number> = {
  size: 2,
  put: (w, v) => w.u16(v),
  get: (r, off) => r.u16(off),
};
export const u32: AttrCodec<number> = {
  size: 4,
  put: (w, v) => w.u32(v),
  get: (r, off) => r.u32(off),
};
export const s32: AttrCodec<number> = {
  size: 4,
  put: (w, v) => w.i32(v),
  get: (r, off) => r.i32(off),
};
/** `__be16`: ports (IFLA_VXLAN_PORT, NDA_PORT). */
export const be16: AttrCodec<number> = {
  size: 2,
  put: (w, v) => w.be16(v),
  get: (r, off) => r.be16(off),
};
/** A u8 holding 0 or 1 (IFLA_VXLAN_LEARNING, IFLA_BRPORT_MODE). */
export const bool8: AttrCodec<boolean> = {
  size: 1,
  put: (w, v) => w.u8(v ? 1 : 0),
  get: (r, off) => r.u8(off) !== 0,
};
/** A zero-length attribute whose presence means true (IFLA_VXLAN_GBP). */
export const flag: AttrCodec<boolean> = {
  size: 0,
  put: () => {},
  get: () => true,
  omit: (v) => !v,
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function text(r: { bytes: Uint8Array }, off: number, len: number): string {
  let end = off + len;
  const nul = r.bytes.subarray(off, end).indexOf(0);
  if (nul >= 0) end = off + nul;
  return decoder.decode(r.bytes.subarray(off, end));
}

/** A string sent without its NUL (IFLA_INFO_KIND as iproute2 sends it); reads either form. */
export const str: AttrCodec<string> = {
  put: (w, v) => w.raw(encoder.encode(v)),
  get: text,
};
/** A NUL-terminated string (IFLA_IFNAME). */
export const strz: AttrCodec<string> = {
  put: (w, v) => {
    w.raw(encoder.encode(v));
    w.u8(0);
  },
  get: text,
};

const HEX: readonly string[] = Array.from(
  { length: 256 },
  (_, i) => i.toString(16).padStart(2, "0"),
);

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

/**
 * Parses `aa:bb:cc:dd:ee:ff` (any number of octets, one or two hex digits each) into bytes.
 * Hand-rolled (no split/regex): the reconciler encodes two per peer, thousands at a time.
 */
export function parseLinkAddr(s: string): Uint8Array {
  const out: number[] = [];
  let v = 0, digits = 0;
  for (let i = 0; i <= s.length && s !== ""; i++) {
    const c = i === s.length ? 58 : s.charCodeAt(i);
    if (c === 58 && digits > 0) {
      out.push(v);
      v = digits = 0;
      continue;
    }
    const d = hexDigit(c);
    if (d < 0 || ++digits > 2) throw new ParseError(`Invalid link-layer address "${s}"`);
    v = v * 16 + d;
  }
  return Uint8Array.from(out);
}

/** Formats bytes as `aa:bb:…` (lower case), like `ip link` prints them. */
export function formatLinkAddr(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += (i ? ":" : "") + HEX[b[i]!];
  return s;
}

/** Writes a canonical `aa:bb:cc:dd:ee:ff` without allocating; false for any other form. */
function putMac48(w: Writer, s: string): boolean {
  if (s.length !== 17) return false;
  for (let i = 0; i < 17; i += 3) {
    const hi = hexDigit(s.charCodeAt(i)), lo = hexDigit(s.charCodeAt(i + 1));
    if (hi < 0 || lo < 0 || (i < 15 && s.charCodeAt(i + 2) !== 58)) return false;
  }
  for (let i = 0; i < 17; i += 3) {
    w.u8(hexDigit(s.charCodeAt(i)) * 16 + hexDigit(s.charCodeAt(i + 1)));
  }
  return true;
}

/** A link-layer address (IFLA_ADDRESS, NDA_LLADDR) as `aa:bb:…` text. */
export const lladdr: AttrCodec<string> = {
  put: (w, v) => {
    if (!putMac48(w, v)) w.raw(parseLinkAddr(v));
  },
  get: (r, off, len) => formatLinkAddr(r.bytes.subarray(off, off + len)),
};

/** An IPv4 (4 bytes) or IPv6 (16 bytes) address in network byte order. */
export const ip: AttrCodec<IPAddr> = {
  put: (w, v) => {
    if (v.family === 4) w.be32(Number(v.value));
    else w.raw(v.toBytes());
  },
  get: (r, off, len) => {
    if (len === 4) return IPAddr.of(4, BigInt(r.be32(off)));
    if (len === 16) return IPAddr.fromBytes(r.bytes.subarray(off, off + 16));
    throw new NetlinkDecodeError(`An IP address attribute has 4 or 16 bytes, not ${len}`, off);
  },
};

/** An opaque payload, copied. */
export const bytes: AttrCodec<Uint8Array> = {
  put: (w, v) => w.raw(v),
  get: (r, off, len) => r.copy(off, len),
};

/** A value with an `attrs` bag for what its schema does not know. */
export interface WithAttrs {
  /** Attributes kept raw (unknown to the codec, or repeated), re-encoded unchanged. */
  attrs?: Attr[];
}

/** A nested attribute set decoded with schema `c`; `flag` sets NLA_F_NESTED when encoding. */
export function nested<T extends WithAttrs>(c: Compiled<T>, flag = false): AttrCodec<T> {
  return {
    nested: flag,
    put: (w, v) => encodeAttrs(w, c, v, v.attrs),
    get: (r, off, len) => {
      const v = {} as T;
      const raw = decodeAttrs(r, off, off + len, c, v);
      if (raw.length) v.attrs = raw;
      return v;
    },
  };
}
