/**
 * etcd subnet keys: `10.5.1.0-24` and the dual-stack form `10.12.13.0-24&fd00:12:13::-56`
 * (upstream `MakeSubnetKey` / `ParseSubnetKey`).
 *
 * Design notes: parsing is upstream's regex, anchored at the end only so full key paths
 * (`/coreos.com/network/subnets/10.5.1.0-24`) parse. Upstream reads the IPv4 prefix as a
 * 5-bit and the IPv6 prefix as a 7-bit number, so `/32` and `/128` are refused; we keep that.
 * One difference: a key whose address has host bits set (`10.5.1.7-24`) is refused, because
 * no flannel writes one and a lease that cannot be re-keyed could never be renewed or deleted.
 */
import { ParseError } from "../errors.ts";
import { IPNet, tryParseIP } from "../ip/mod.ts";
import type { LeaseSubnets } from "./types.ts";

const KEY = /(\d+\.\d+.\d+.\d+)-(\d+)(?:&([a-f\d:]+)-(\d+))?$/;

function net(ipText: string, lenText: string, family: 4 | 6, maxLen: number): IPNet | null {
  const ip = tryParseIP(ipText);
  const len = Number(lenText);
  if (ip?.family !== family || !Number.isInteger(len) || len > maxLen) return null;
  const n = IPNet.of(ip, len);
  return n.ip.equals(ip) ? n : null;
}

/** Parses a subnet key (or a whole key path ending in one); `null` when it is not one. */
export function tryParseSubnetKey(key: string): LeaseSubnets | null {
  const m = KEY.exec(key);
  if (m === null) return null;
  const subnet = net(m[1]!, m[2]!, 4, 31);
  if (subnet === null) return null;
  if (m[3] === undefined) return { subnet, ipv6Subnet: null };
  const ipv6Subnet = net(m[3], m[4]!, 6, 127);
  return ipv6Subnet === null ? null : { subnet, ipv6Subnet };
}

/** Parses a subnet key; throws {@linkcode ParseError} when it is not one. */
export function parseSubnetKey(key: string): LeaseSubnets {
  const r = tryParseSubnetKey(key);
  if (r === null) throw new ParseError(`Invalid subnet key "${key}"`);
  return r;
}

/** The key of a lease: `10.5.1.0-24`, or `10.5.1.0-24&fc00::-64` when dual-stack. */
export function subnetKey(s: LeaseSubnets): string {
  if (s.subnet === null) throw new ParseError("A subnet key needs an IPv4 subnet");
  const v4 = `${s.subnet.ip}-${s.subnet.prefixLen}`;
  return s.ipv6Subnet === null ? v4 : `${v4}&${s.ipv6Subnet.ip}-${s.ipv6Subnet.prefixLen}`;
}
