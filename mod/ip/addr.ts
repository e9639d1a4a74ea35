/**
 * IP address values for both families through one path.
 *
 * Design notes: an address is its family plus the integer value of its bits as a `bigint`,
 * so IPv4 and IPv6 share every piece of arithmetic (increment, compare, masking) instead of
 * living in twin code paths. Parsing follows Go's `net.ParseIP` (what upstream flannel uses):
 * dotted quads without leading zeros, RFC 4291 IPv6 text including an embedded IPv4 tail,
 * no zones. Formatting is RFC 5952 (lower case, longest zero run compressed, leftmost on a tie),
 * which is what Go prints and what etcd keys and kube annotations carry.
 *
 * Speed: an agent decodes tens of thousands of addresses at start (5,000 leases, their keys,
 * the kernel's dumps), so IPv4 takes number paths — a dotted quad is parsed character by
 * character into a 32-bit number and becomes a `bigint` once; bytes and text are made from
 * that number — and an address remembers its text after the first `toString()`. The
 * arithmetic stays generic.
 */
import { ParseError } from "../errors.ts";

export type Family = 4 | 6;

/** Width in bits of each family's addresses. */
export const FAMILY_BITS: Readonly<Record<Family, number>> = { 4: 32, 6: 128 };

/** Width in bytes of each family's addresses (netlink, sockets). */
export const FAMILY_BYTES: Readonly<Record<Family, number>> = { 4: 4, 6: 16 };

/** One past the largest value of each family. */
const LIMIT: Readonly<Record<Family, bigint>> = { 4: 1n << 32n, 6: 1n << 128n };

/** An IPv4 or IPv6 address. Immutable; compare with {@linkcode IPAddr.equals}. */
export class IPAddr {
  readonly family: Family;
  readonly value: bigint;
  /** The text, once asked for (immutable value: safe to keep). */
  #text: string | null = null;

  private constructor(family: Family, value: bigint) {
    this.family = family;
    this.value = value;
  }

  /** The address of `family` whose bits are `value`; throws when `value` does not fit. */
  static of(family: Family, value: bigint): IPAddr {
    if (value < 0n || value >= LIMIT[family]) {
      throw new RangeError(`Value ${value} does not fit an IPv${family} address`);
    }
    return new IPAddr(family, value);
  }

  /** The address held in network byte order in 4 or 16 bytes. */
  static fromBytes(bytes: Uint8Array): IPAddr {
    if (bytes.length === 4) {
      const n = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
      return new IPAddr(4, BigInt(n));
    }
    if (bytes.length !== 16) {
      throw new ParseError(`An IP address has 4 or 16 bytes, not ${bytes.length}`);
    }
    let value = 0n;
    for (const b of bytes) value = (value << 8n) | BigInt(b);
    return new IPAddr(6, value);
  }

  /** The all-zero address of a family (`0.0.0.0`, `::`). */
  static zero(family: Family): IPAddr {
    return new IPAddr(family, 0n);
  }

  get bits(): number {
    return FAMILY_BITS[this.family];
  }

  isUnspecified(): boolean {
    return this.value === 0n;
  }

  equals(other: IPAddr | null | undefined): boolean {
    return other != null && other.family === this.family && other.value === this.value;
  }

  /** Orders IPv4 before IPv6, then by value. */
  compare(other: IPAddr): number {
    if (this.family !== other.family) return this.family - other.family;
    return this.value < other.value ? -1 : this.value > other.value ? 1 : 0;
  }

  /** This address plus `n` (may be negative); throws when leaving the family's range. */
  add(n: bigint | number): IPAddr {
    return IPAddr.of(this.family, this.value + BigInt(n));
  }

  toBytes(): Uint8Array {
    const out = new Uint8Array(FAMILY_BYTES[this.family]);
    if (this.family === 4) {
      const n = Number(this.value);
      out[0] = n >>> 24;
      out[1] = n >>> 16;
      out[2] = n >>> 8;
      out[3] = n;
      return out;
    }
    let v = this.value;
    for (let i = out.length - 1; i >= 0; i--) {
      out[i] = Number(v & 0xffn);
      v >>= 8n;
    }
    return out;
  }

  toString(): string {
    return this.#text ??= this.family === 4 ? formatV4(this.value) : formatV6(this.value);
  }

  toJSON(): string {
    return this.toString();
  }
}

function formatV4(v: bigint): string {
  const n = Number(v);
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function formatV6(v: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  // Longest run of two or more zero groups, leftmost on a tie (RFC 5952 §4.2).
  let bestStart = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [bestStart, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(":");
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

const DOT = 46, ZERO = 48, NINE = 57;

/**
 * A dotted quad as a 32-bit number, or -1: four decimal parts of 0–255, no leading zeros,
 * nothing else (Go's `net.ParseIP`).
 */
function parseV4Number(text: string): number {
  let value = 0, part = -1, digits = 0, parts = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : DOT;
    if (c === DOT) {
      if (digits === 0 || ++parts > 4) return -1;
      value = value * 256 + part;
      part = -1;
      digits = 0;
    } else if (c >= ZERO && c <= NINE) {
      if (part === 0) return -1; // a leading zero
      part = part < 0 ? c - ZERO : part * 10 + c - ZERO;
      if (++digits > 3 || part > 255) return -1;
    } else return -1;
  }
  return parts === 4 ? value : -1;
}

function parseV4(text: string): bigint | null {
  const n = parseV4Number(text);
  return n < 0 ? null : BigInt(n);
}

const V6_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseV6Groups(parts: string[], allowV4Tail: boolean): bigint[] | null {
  const out: bigint[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (allowV4Tail && i === parts.length - 1 && p.includes(".")) {
      const v4 = parseV4(p);
      if (v4 === null) return null;
      out.push(v4 >> 16n, v4 & 0xffffn);
    } else if (V6_GROUP.test(p)) {
      out.push(BigInt(parseInt(p, 16)));
    } else {
      return null;
    }
  }
  return out;
}

function parseV6(text: string): bigint | null {
  const halves = text.split("::");
  if (halves.length > 2) return null;
  let groups: bigint[];
  if (halves.length === 2) {
    const [l, r] = halves as [string, string];
    const head = l === "" ? [] : parseV6Groups(l.split(":"), false);
    const tail = r === "" ? [] : parseV6Groups(r.split(":"), true);
    if (head === null || tail === null || head.length + tail.length > 7) return null;
    groups = [...head, ...Array<bigint>(8 - head.length - tail.length).fill(0n), ...tail];
  } else {
    const all = parseV6Groups(text.split(":"), true);
    if (all === null || all.length !== 8) return null;
    groups = all;
  }
  return groups.reduce((acc, g) => (acc << 16n) | g, 0n);
}

/** Parses IPv4 or IPv6 text; `null` when it is not an address. Never throws. */
export function tryParseIP(text: string): IPAddr | null {
  if (typeof text !== "string" || text.length === 0 || text.length > 45) return null;
  if (text.includes(":")) {
    const v = parseV6(text);
    return v === null ? null : IPAddr.of(6, v);
  }
  const n = parseV4Number(text);
  return n < 0 ? null : IPAddr.of(4, BigInt(n));
}

/** Parses IPv4 or IPv6 text; throws {@linkcode ParseError} when it is not an address. */
export function parseIP(text: string): IPAddr {
  const ip = tryParseIP(text);
  if (ip === null) throw new ParseError(`Invalid IP address "${text}"`);
  return ip;
}

const V4_MAPPED_PREFIX = 0xffffn << 32n;

/**
 * Parses an IPv4 address the way upstream's `ParseIP4` does: IPv4-mapped IPv6 text
 * (`::ffff:1.2.3.4`) counts as IPv4; any other IPv6 address is refused.
 */
export function parseIP4(text: string): IPAddr {
  const ip = tryParseIP(text);
  if (ip?.family === 4) return ip;
  if (ip?.family === 6 && ip.value >> 32n === V4_MAPPED_PREFIX >> 32n) {
    return IPAddr.of(4, ip.value & 0xffffffffn);
  }
  throw new ParseError(`Invalid IPv4 address "${text}"`);
}

/** Parses an IPv6 address; IPv4 text is refused. */
export function parseIP6(text: string): IPAddr {
  const ip = tryParseIP(text);
  if (ip?.family !== 6) throw new ParseError(`Invalid IPv6 address "${text}"`);
  return ip;
}
