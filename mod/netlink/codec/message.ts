/**
 * Whole rtnetlink messages: header + typed body, chosen by nlmsg_type. `encodeMessage` appends
 * one message to a {@linkcode Writer} (call it repeatedly for a batch); `decodeMessages` splits
 * a received datagram (a dump part holds many) and decodes each.
 */
import { type BodyCodec } from "./attrs.ts";
import { type Reader, Reader as ByteReader, type Writer } from "./bytes.ts";
import * as K from "./consts.ts";
import { type Addr, addrCodec } from "./addr.ts";
import {
  beginMessage,
  decodeDone,
  decodeError,
  encodeDone,
  encodeError,
  endMessage,
  forEachMessage,
  type NlDone,
  type NlError,
  type NlHeader,
} from "./header.ts";
import { type Link, linkCodec } from "./link.ts";
import { type Neigh, neighCodec } from "./neigh.ts";
import { type Route, routeCodec } from "./route.ts";

/** One netlink message, its body typed by `kind` (derived from `type` when decoding). */
export type Message =
  | (NlHeader & { kind: "link"; body: Link })
  | (NlHeader & { kind: "addr"; body: Addr })
  | (NlHeader & { kind: "route"; body: Route })
  | (NlHeader & { kind: "neigh"; body: Neigh })
  | (NlHeader & { kind: "error"; body: NlError })
  | (NlHeader & { kind: "done"; body: NlDone })
  | (NlHeader & { kind: "raw"; body: Uint8Array });

/** The body kinds of rtnetlink objects. */
export type ObjectKind = "link" | "addr" | "route" | "neigh";

/** An rtnetlink object message: a request, a dump entry or an event. */
export type ObjectMessage = Extract<Message, { kind: ObjectKind }>;

/** A request before a connection numbers it (no seq, no pid). */
export type Request =
  | { kind: "link"; type: number; flags: number; body: Link }
  | { kind: "addr"; type: number; flags: number; body: Addr }
  | { kind: "route"; type: number; flags: number; body: Route }
  | { kind: "neigh"; type: number; flags: number; body: Neigh };

/** The request type of one kind (`RequestOf<"link">` has a `Link` body). */
export type RequestOf<K extends ObjectKind> = Extract<Request, { kind: K }>;

/** Which body an nlmsg_type carries. */
export function kindOf(type: number): Message["kind"] {
  if (type === K.NLMSG_ERROR) return "error";
  if (type === K.NLMSG_DONE) return "done";
  if (type >= K.RTM_NEWLINK && type <= K.RTM_SETLINK) return "link";
  if (type >= K.RTM_NEWADDR && type <= K.RTM_GETADDR) return "addr";
  if (type >= K.RTM_NEWROUTE && type <= K.RTM_GETROUTE) return "route";
  if (type >= K.RTM_NEWNEIGH && type <= K.RTM_GETNEIGH) return "neigh";
  return "raw";
}

const OBJECTS: { readonly [k in ObjectKind]: BodyCodec<never> } = {
  link: linkCodec,
  addr: addrCodec,
  route: routeCodec,
  neigh: neighCodec,
} as { readonly [k in ObjectKind]: BodyCodec<never> };

/** Appends `m` (header, body, padding) to `w`. */
export function encodeMessage(w: Writer, m: Message): void {
  const at = beginMessage(w, m);
  switch (m.kind) {
    case "error":
      encodeError(w, m.body);
      break;
    case "done":
      encodeDone(w, m.body);
      break;
    case "raw":
      w.raw(m.body);
      break;
    default:
      (OBJECTS[m.kind] as BodyCodec<typeof m.body>).encode(w, m.body);
  }
  endMessage(w, at);
}

/**
 * Appends request `r` numbered `seq` with nlmsg_flags `flags` (the connection's hot path:
 * no intermediate message object).
 */
export function encodeRequest(w: Writer, r: Request, flags: number, seq: number, pid = 0): void {
  const at = beginMessage(w, { type: r.type, flags, seq, pid });
  (OBJECTS[r.kind] as BodyCodec<typeof r.body>).encode(w, r.body);
  endMessage(w, at);
}

/** Decodes the message whose header is at `at` and payload spans `[off, end)`. */
export function decodeBody(r: Reader, h: NlHeader, off: number, end: number): Message {
  const head = { type: h.type, flags: h.flags, seq: h.seq, pid: h.pid };
  const kind = kindOf(h.type);
  switch (kind) {
    case "error":
      return { ...head, kind, body: decodeError(r, off, end, h.flags) };
    case "done":
      return { ...head, kind, body: decodeDone(r, off, end, h.flags) };
    case "raw":
      return { ...head, kind, body: r.copy(off, end - off) };
    default:
      return { ...head, kind, body: OBJECTS[kind].decode(r, off, end) } as Message;
  }
}

/**
 * Decodes every message in `bytes` (one datagram, or a file of concatenated messages).
 * Throws NetlinkDecodeError with the byte offset on truncated or corrupt input.
 */
export function decodeMessages(bytes: Uint8Array, len = bytes.length): Message[] {
  const r = new ByteReader(bytes);
  const out: Message[] = [];
  forEachMessage(r, len, (h, off, at) => out.push(decodeBody(r, h, off, at + h.len)));
  return out;
}

/** Encodes messages into one buffer (a batch, or a fake kernel reply). */
export function encodeMessages(w: Writer, ms: readonly Message[]): Uint8Array {
  for (const m of ms) encodeMessage(w, m);
  return w.bytes();
}
