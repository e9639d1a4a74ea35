/**
 * CIDR networks for both families: parse, format, contain, overlap, step.
 *
 * Design notes: an {@linkcode IPNet} always holds its network address (host bits cleared),
 * which is how upstream parses `Network`, lease subnets and subnet.env values
 * (`10.3.1.5/16` → `10.3.0.0/16`). When the host part matters (`FLANNEL_SUBNET=10.5.72.1/24`,
 * an interface address) use {@linkcode parseCIDRWithHost}.
 */
import { ParseError } from "../errors.ts";
import { type Family, FAMILY_BITS, IPAddr, tryParseIP } from "./addr.ts";

/** A network: a masked address plus a prefix length. Immutable. */
export class IPNet {
  readonly ip: IPAddr;
  readonly prefixLen: number;
  /** The text, once asked for (immutable value: safe to keep). */
  #text: string | null = null;

  private constructor(ip: IPAddr, prefixLen: number) {
    this.ip = ip;
    this.prefixLen = prefixLen;
  }

  /** The network holding `ip` with `prefixLen` bits of prefix (host bits are cleared). */
  static of(ip: IPAddr, prefixLen: number): IPNet {
    if (!Number.isInteger(prefixLen) || prefixLen < 0 || prefixLen > ip.bits) {
      throw new ParseError(`Invalid prefix length ${prefixLen} for IPv${ip.family}`);
    }
    const masked = ip.value & maskOf(ip.family, prefixLen);
    // An address already masked (a lease subnet, a route) is kept, not copied.
    return new IPNet(masked === ip.value ? ip : IPAddr.of(ip.family, masked), prefixLen);
  }

  get family(): Family {
    return this.ip.family;
  }

  /** Number of addresses in the network. */
  get size(): bigint {
    return 1n << BigInt(this.ip.bits - this.prefixLen);
  }

  /** The netmask as an address (`255.255.255.0`). */
  get mask(): IPAddr {
    return IPAddr.of(this.family, maskOf(this.family, this.prefixLen));
  }

  /** The last address (IPv4 broadcast). */
  get last(): IPAddr {
    return IPAddr.of(this.family, this.ip.value + this.size - 1n);
  }

  /** `0.0.0.0/0` and `::/0` count as empty, as upstream's `Empty()`. */
  isEmpty(): boolean {
    return this.prefixLen === 0 && this.ip.value === 0n;
  }

  /** True when `x` (an address or a whole network) lies inside this network. */
  contains(x: IPAddr | IPNet): boolean {
    if (x.family !== this.family) return false;
    if (x instanceof IPNet) {
      return x.prefixLen >= this.prefixLen && this.contains(x.ip);
    }
    return (x.value & maskOf(this.family, this.prefixLen)) === this.ip.value;
  }

  overlaps(other: IPNet): boolean {
    return this.contains(other.ip) || other.contains(this.ip);
  }

  equals(other: IPNet | null | undefined): boolean {
    return other != null && other.prefixLen === this.prefixLen && other.ip.equals(this.ip);
  }

  /** The network of the same size right after this one; `null` past the family's end. */
  next(): IPNet | null {
    const v = this.ip.value + this.size;
    if (v >= 1n << BigInt(this.ip.bits)) return null;
    return new IPNet(IPAddr.of(this.family, v), this.prefixLen);
  }

  /** The `n`-th address of the network (0 is the network address). */
  nth(n: bigint | number): IPAddr {
    const k = BigInt(n);
    if (k < 0n || k >= this.size) throw new RangeError(`Address ${k} is outside ${this}`);
    return this.ip.add(k);
  }

  toString(): string {
    return this.#text ??= `${this.ip}/${this.prefixLen}`;
  }

  toJSON(): string {
    return this.toString();
  }
}

function computeMask(family: Family, prefixLen: number): bigint {
  const bits = BigInt(FAMILY_BITS[family]);
  const all = (1n << bits) - 1n;
  return all ^ ((1n << (bits - BigInt(prefixLen))) - 1n);
}

/** Every netmask of both families, indexed by prefix length (162 values, made once). */
const MASKS: Readonly<Record<Family, readonly bigint[]>> = {
  4: Array.from({ length: 33 }, (_, len) => computeMask(4, len)),
  6: Array.from({ length: 129 }, (_, len) => computeMask(6, len)),
};

function maskOf(family: Family, prefixLen: number): bigint {
  return MASKS[family][prefixLen]!;
}

const PREFIX = /^(?:0|[1-9][0-9]{0,2})$/;

/** Parses `addr/len`; `null` on any error. Never throws. Keeps the host part. */
export function tryParseCIDRWithHost(text: string): { ip: IPAddr; net: IPNet } | null {
  if (typeof text !== "string") return null;
  const slash = text.indexOf("/");
  if (slash < 0) return null;
  const ip = tryParseIP(text.slice(0, slash));
  const lenText = text.slice(slash + 1);
  if (ip === null || !PREFIX.test(lenText)) return null;
  const len = Number(lenText);
  if (len > ip.bits) return null;
  return { ip, net: IPNet.of(ip, len) };
}

/** Parses `addr/len` and returns both the address as written and its network. */
export function parseCIDRWithHost(text: string): { ip: IPAddr; net: IPNet } {
  const r = tryParseCIDRWithHost(text);
  if (r === null) throw new ParseError(`Invalid CIDR address "${text}"`);
  return r;
}

/** Parses `addr/len` into its network (host bits cleared). */
export function parseCIDR(text: string): IPNet {
  return parseCIDRWithHost(text).net;
}

/** Parses an IPv4 CIDR; IPv6 text is refused (`invalid IPv4 CIDR format` upstream). */
export function parseCIDR4(text: string): IPNet {
  const r = tryParseCIDRWithHost(text);
  if (r?.net.family !== 4) throw new ParseError(`Invalid IPv4 CIDR "${text}"`);
  return r.net;
}

/** Parses an IPv6 CIDR; IPv4 text is refused. */
export function parseCIDR6(text: string): IPNet {
  const r = tryParseCIDRWithHost(text);
  if (r?.net.family !== 6) throw new ParseError(`Invalid IPv6 CIDR "${text}"`);
  return r.net;
}

/** RFC 1918 and unique-local prefixes as [family, network value, prefix length]. */
const PRIVATE_NETS: readonly (readonly [Family, bigint, number])[] = [
  [4, 0x0a000000n, 8], // 10.0.0.0/8
  [4, 0xac100000n, 12], // 172.16.0.0/12
  [4, 0xc0a80000n, 16], // 192.168.0.0/16
  [6, 0xfc00n << 112n, 7], // fc00::/7
];

/**
 * RFC 1918 for IPv4, unique-local `fc00::/7` for IPv6 (upstream's `IsPrivate`). The list is
 * numeric, not parsed text: importing this module (every CNI call does) runs no parser.
 */
export function isPrivateIP(ip: IPAddr): boolean {
  return PRIVATE_NETS.some(([family, value, len]) =>
    family === ip.family && (ip.value & maskOf(family, len)) === value
  );
}
