/**
 * The one place that decides byte order: netlink headers and attributes are in host order,
 * a few payloads (`IFLA_VXLAN_PORT`, encap ports) in network order (big-endian). Everything
 * else in the codec reads and writes through {@linkcode Writer} and {@linkcode Reader}.
 *
 * Design notes: one growable buffer per connection is reused for every message and batch,
 * so encoding thousands of entries allocates nothing per message. Attribute and message
 * lengths are patched in place once their payload is written (`mark` → `patchLen`).
 */
import { NetlinkDecodeError } from "../errors.ts";

/** True on little-endian hosts (x86-64, arm64): netlink's "host order". */
export const HOST_LE: boolean = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Netlink aligns headers and attributes to 4 bytes (NLMSG_ALIGNTO, NLA_ALIGNTO). */
export const ALIGNTO = 4;

/** `n` rounded up to the next multiple of 4. */
export function align(n: number): number {
  return (n + ALIGNTO - 1) & ~(ALIGNTO - 1);
}

/** A growable byte buffer with host-order and big-endian writers. */
export class Writer {
  #buf: Uint8Array;
  #view: DataView;
  /** Bytes written so far. */
  len = 0;

  constructor(capacity = 4096) {
    this.#buf = new Uint8Array(capacity);
    this.#view = new DataView(this.#buf.buffer);
  }

  /** Forgets the content, keeps the memory. */
  reset(): void {
    this.len = 0;
  }

  /** The bytes written (a view: copy it before the next `reset`). */
  bytes(): Uint8Array {
    return this.#buf.subarray(0, this.len);
  }

  #room(n: number): number {
    const at = this.len;
    if (at + n > this.#buf.length) {
      let size = this.#buf.length * 2;
      while (size < at + n) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.#buf.subarray(0, at));
      this.#buf = next;
      this.#view = new DataView(next.buffer);
    }
    this.len = at + n;
    return at;
  }

  u8(v: number): void {
    const at = this.#room(1);
    this.#view.setUint8(at, v);
  }
  u16(v: number): void {
    const at = this.#room(2);
    this.#view.setUint16(at, v, HOST_LE);
  }
  u32(v: number): void {
    const at = this.#room(4);
    this.#view.setUint32(at, v >>> 0, HOST_LE);
  }
  i32(v: number): void {
    const at = this.#room(4);
    this.#view.setInt32(at, v, HOST_LE);
  }
  u64(v: bigint): void {
    const at = this.#room(8);
    this.#view.setBigUint64(at, v, HOST_LE);
  }
  /** Network byte order (big-endian) u16: ports. */
  be16(v: number): void {
    const at = this.#room(2);
    this.#view.setUint16(at, v, false);
  }
  /** Network byte order (big-endian) u32: IPv4 addresses. */
  be32(v: number): void {
    const at = this.#room(4);
    this.#view.setUint32(at, v >>> 0, false);
  }
  raw(b: Uint8Array): void {
    const at = this.#room(b.length);
    this.#buf.set(b, at);
  }
  /** Zero bytes up to the next 4-byte boundary. */
  pad(): void {
    const n = align(this.len) - this.len;
    if (n > 0) this.zero(n);
  }
  /** `n` zero bytes. */
  zero(n: number): void {
    const at = this.#room(n);
    this.#buf.fill(0, at, this.len);
  }
  /** Remembers where a length-prefixed block starts. */
  mark(): number {
    return this.len;
  }
  /** Writes the block length (u16 for attributes, u32 for messages) at `at`. */
  patchLen(at: number, width: 2 | 4): void {
    const n = this.len - at;
    if (width === 2) this.#view.setUint16(at, n, HOST_LE);
    else this.#view.setUint32(at, n, HOST_LE);
  }
}

/** Bounds-checked host-order reads over one buffer; offsets are absolute in that buffer. */
export class Reader {
  readonly bytes: Uint8Array;
  readonly #view: DataView;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.length;
  }

  /** Throws {@linkcode NetlinkDecodeError} unless `[off, off+n)` lies inside `[0, end)`. */
  need(off: number, n: number, what: string, end = this.bytes.length): void {
    if (off + n > end || off < 0) {
      throw new NetlinkDecodeError(`Truncated ${what}: need ${n} bytes, have ${end - off}`, off);
    }
  }

  u8(off: number): number {
    return this.#view.getUint8(off);
  }
  u16(off: number): number {
    return this.#view.getUint16(off, HOST_LE);
  }
  u32(off: number): number {
    return this.#view.getUint32(off, HOST_LE);
  }
  i32(off: number): number {
    return this.#view.getInt32(off, HOST_LE);
  }
  u64(off: number): bigint {
    return this.#view.getBigUint64(off, HOST_LE);
  }
  be16(off: number): number {
    return this.#view.getUint16(off, false);
  }
  be32(off: number): number {
    return this.#view.getUint32(off, false);
  }
  /** A copy of `[off, off+n)` (safe to keep after the receive buffer is reused). */
  copy(off: number, n: number): Uint8Array {
    return this.bytes.slice(off, off + n);
  }
}
