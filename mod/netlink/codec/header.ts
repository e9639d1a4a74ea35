/**
 * struct nlmsghdr framing, and the two control messages every request meets: NLMSG_ERROR
 * (an ACK when `error` is 0) with its extended-ACK TLVs, and NLMSG_DONE ending a dump.
 *
 * Layout (host order): `{len u32, type u16, flags u16, seq u32, pid u32}` then the payload;
 * messages are padded to 4 bytes and several may share one datagram.
 */
import { NetlinkDecodeError } from "../errors.ts";
import { type Attr, forEachAttr, putAttr, putRawAttr } from "./attrs.ts";
import { align, type Reader, type Writer } from "./bytes.ts";
import * as K from "./consts.ts";
import { str, u32 } from "./values.ts";

/** The fields of struct nlmsghdr other than its length. */
export interface NlHeader {
  type: number;
  flags: number;
  seq: number;
  pid: number;
}

/** Writes a header with a placeholder length; returns where the message starts. */
export function beginMessage(w: Writer, h: NlHeader): number {
  const at = w.mark();
  w.u32(0);
  w.u16(h.type);
  w.u16(h.flags);
  w.u32(h.seq);
  w.u32(h.pid);
  return at;
}

/** Pads the message begun at `at` and writes its length (padding included, as iproute2). */
export function endMessage(w: Writer, at: number): void {
  w.pad();
  w.patchLen(at, 4);
}

function peekHeader(r: Reader, off: number, end: number): NlHeader & { len: number } {
  r.need(off, K.NLMSG_HDRLEN, "nlmsghdr", end);
  const len = r.u32(off);
  if (len < K.NLMSG_HDRLEN) throw new NetlinkDecodeError(`Message length ${len} < 16`, off);
  return {
    len,
    type: r.u16(off + 4),
    flags: r.u16(off + 6),
    seq: r.u32(off + 8),
    pid: r.u32(off + 12),
  };
}

/** Reads and validates the header at `off` of a buffer holding `end` bytes; returns its length. */
export function readHeader(r: Reader, off: number, end: number): NlHeader & { len: number } {
  const h = peekHeader(r, off, end);
  if (off + h.len > end) {
    throw new NetlinkDecodeError(
      `Message of ${h.len} bytes overruns the buffer (${end - off})`,
      off,
    );
  }
  return h;
}

/** Calls `fn` for every message in `[0, end)`: its header and payload span. */
export function forEachMessage(
  r: Reader,
  end: number,
  fn: (h: NlHeader & { len: number }, payloadOff: number, at: number) => void,
): void {
  let off = 0;
  while (off < end) {
    const h = readHeader(r, off, end);
    fn(h, off + K.NLMSG_HDRLEN, off);
    off += align(h.len);
  }
}

/** NLMSGERR_ATTR_* of an extended ACK. */
export interface ExtAck {
  /** NLMSGERR_ATTR_MSG: the kernel's explanation. */
  msg?: string;
  /** NLMSGERR_ATTR_OFFS: offset of the offending attribute in the request. */
  offset?: number;
  /** Other TLVs (cookie, policy, missing type), raw. */
  attrs?: Attr[];
}

/** NLMSG_ERROR payload: 0 (an ACK) or a negative errno, and the request it answers. */
export interface NlError {
  error: number;
  /** The request's header (its length included). */
  request: NlHeader & { len: number };
  /** The request's payload, unless the kernel capped it (NLM_F_CAPPED). */
  payload?: Uint8Array;
  extAck?: ExtAck;
}

/** NLMSG_DONE payload: the dump's final status (0, or a negative errno). */
export interface NlDone {
  error: number;
  extAck?: ExtAck;
}

function decodeExtAck(r: Reader, off: number, end: number): ExtAck {
  const ack: ExtAck = {};
  forEachAttr(r, off, end, (type, p, len) => {
    if (type === K.NLMSGERR_ATTR_MSG && ack.msg === undefined) ack.msg = str.get(r, p, len);
    else if (type === K.NLMSGERR_ATTR_OFFS && len === 4 && ack.offset === undefined) {
      ack.offset = r.u32(p);
    } else (ack.attrs ??= []).push({ type, data: r.copy(p, len) });
  });
  return ack;
}

function encodeExtAck(w: Writer, a: ExtAck): void {
  const msg = a.msg;
  if (msg !== undefined) putAttr(w, K.NLMSGERR_ATTR_MSG, () => str.put(w, msg + "\0"));
  const offset = a.offset;
  if (offset !== undefined) putAttr(w, K.NLMSGERR_ATTR_OFFS, () => u32.put(w, offset));
  a.attrs?.forEach((x) => putRawAttr(w, x));
}

/** Decodes an NLMSG_ERROR payload in `[off, end)`; `flags` are the outer message's flags. */
export function decodeError(r: Reader, off: number, end: number, flags: number): NlError {
  r.need(off, 4, "nlmsgerr", end);
  const error = r.i32(off);
  const request = peekHeader(r, off + 4, end);
  const body: NlError = { error, request };
  let next = off + 4 + K.NLMSG_HDRLEN;
  if (!(flags & K.NLM_F_CAPPED)) {
    r.need(next, request.len - K.NLMSG_HDRLEN, "echoed request", end);
    body.payload = r.copy(next, request.len - K.NLMSG_HDRLEN);
    next += align(request.len - K.NLMSG_HDRLEN);
  }
  if (flags & K.NLM_F_ACK_TLVS && next < end) body.extAck = decodeExtAck(r, next, end);
  return body;
}

/** Encodes an NLMSG_ERROR payload (for fakes and round-trip tests). */
export function encodeError(w: Writer, e: NlError): void {
  w.i32(e.error);
  w.u32(e.request.len);
  w.u16(e.request.type);
  w.u16(e.request.flags);
  w.u32(e.request.seq);
  w.u32(e.request.pid);
  if (e.payload) {
    w.raw(e.payload);
    w.pad();
  }
  if (e.extAck) encodeExtAck(w, e.extAck);
}

/** Decodes an NLMSG_DONE payload (older kernels may send none: status 0). */
export function decodeDone(r: Reader, off: number, end: number, flags: number): NlDone {
  if (off === end) return { error: 0 };
  r.need(off, 4, "NLMSG_DONE status", end);
  const done: NlDone = { error: r.i32(off) };
  if (flags & K.NLM_F_ACK_TLVS && off + 4 < end) done.extAck = decodeExtAck(r, off + 4, end);
  return done;
}

/** Encodes an NLMSG_DONE payload. */
export function encodeDone(w: Writer, d: NlDone): void {
  w.i32(d.error);
  if (d.extAck) encodeExtAck(w, d.extAck);
}
