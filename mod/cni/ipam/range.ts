/**
 * host-local address ranges and range sets: canonical form, membership, overlap, text.
 *
 * Design notes: semantics and error texts of host-local's `Range.Canonicalize` and
 * `RangeSet` (containernetworking/plugins): the subnet must be the network address and hold
 * at least 4 addresses; the gateway defaults to subnet+1 and need not lie in the range;
 * `rangeStart` defaults to subnet+1, `rangeEnd` to the last address (IPv4: broadcast−1).
 */
import { ParseError } from "../../errors.ts";
import { goFields, isPlainObject } from "../../config/json_fields.ts";
import { type IPAddr, IPNet, tryParseCIDRWithHost, tryParseIP } from "../../ip/mod.ts";

/** One canonical range: every field filled in. */
export interface Range {
  subnet: IPNet;
  rangeStart: IPAddr;
  rangeEnd: IPAddr;
  gateway: IPAddr;
}

/** Ranges of one family handing out one address per ADD. */
export type RangeSet = Range[];

function optIP(f: Map<string, unknown>, key: string): IPAddr | undefined {
  const v = f.get(key);
  if (v === undefined || v === null || v === "") return undefined;
  const ip = typeof v === "string" ? tryParseIP(v) : null;
  if (ip === null) throw new ParseError(`invalid IP address: ${String(v)}`);
  return ip;
}

function inSubnetFrom(r: { subnet: IPNet; start?: IPAddr; end?: IPAddr }, ip: IPAddr): boolean {
  if (!r.subnet.contains(ip)) return false;
  if (r.start && ip.compare(r.start) < 0) return false;
  return !(r.end && ip.compare(r.end) > 0);
}

/** Canonicalises one raw range object (`{subnet, rangeStart, rangeEnd, gateway}`). */
export function canonicalRange(raw: unknown): Range {
  const f = goFields(isPlainObject(raw) ? raw : {}, [
    "subnet",
    "rangeStart",
    "rangeEnd",
    "gateway",
  ]);
  const text = f.get("subnet");
  if (text === undefined || text === null) throw new ParseError("IP <nil> not v4 nor v6");
  const parsed = typeof text === "string" ? tryParseCIDRWithHost(text) : null;
  if (parsed === null) throw new ParseError(`invalid CIDR address: ${String(text)}`);
  const { ip, net: subnet } = parsed;
  if (subnet.prefixLen > ip.bits - 2) {
    throw new ParseError(`Network ${ip}/${subnet.prefixLen} too small to allocate from`);
  }
  if (!ip.equals(subnet.ip)) {
    throw new ParseError(
      `Network has host bits set. For a subnet mask of length ${subnet.prefixLen} the network address is ${subnet.ip}`,
    );
  }
  const gateway = optIP(f, "gateway") ?? subnet.ip.add(1);
  const start = optIP(f, "rangeStart");
  if (start && !inSubnetFrom({ subnet, start }, start)) {
    throw new ParseError(`RangeStart ${start} not in network ${subnet}`);
  }
  const rangeStart = start ?? subnet.ip.add(1);
  const end = optIP(f, "rangeEnd");
  if (end && !inSubnetFrom({ subnet, start: rangeStart }, end)) {
    throw new ParseError(`RangeEnd ${end} not in network ${subnet}`);
  }
  const rangeEnd = end ?? (subnet.family === 4 ? subnet.last.add(-1) : subnet.last);
  return { subnet, rangeStart, rangeEnd, gateway };
}

/** True when `ip` is an allocatable address of `r` (same family, in subnet, in start..end). */
export function rangeContains(r: Range, ip: IPAddr): boolean {
  return inSubnetFrom({ subnet: r.subnet, start: r.rangeStart, end: r.rangeEnd }, ip);
}

function rangesOverlap(a: Range, b: Range): boolean {
  if (a.subnet.family !== b.subnet.family) return false;
  return rangeContains(a, b.rangeStart) || rangeContains(a, b.rangeEnd) ||
    rangeContains(b, a.rangeStart) || rangeContains(b, a.rangeEnd);
}

/** `start-end` as host-local prints a range. */
export function rangeString(r: Range): string {
  return `${r.rangeStart}-${r.rangeEnd}`;
}

/** Canonicalises a raw range set: non-empty, one family, no overlaps. */
export function canonicalRangeSet(raw: unknown): RangeSet {
  if (!Array.isArray(raw) || raw.length === 0) throw new ParseError("empty range set");
  const set = raw.map(canonicalRange);
  const fam = set[0]!.subnet.family;
  if (set.some((r) => r.subnet.family !== fam)) throw new ParseError("mixed address families");
  for (let i = 0; i < set.length; i++) {
    for (let j = i + 1; j < set.length; j++) {
      if (rangesOverlap(set[i]!, set[j]!)) {
        throw new ParseError(
          `subnets ${rangeString(set[i]!)} and ${rangeString(set[j]!)} overlap`,
        );
      }
    }
  }
  return set;
}

/** The range of `set` holding `ip`, or null. */
export function rangeFor(set: RangeSet, ip: IPAddr): Range | null {
  return set.find((r) => rangeContains(r, ip)) ?? null;
}

/** True when any range of `a` overlaps any range of `b`. */
export function rangeSetsOverlap(a: RangeSet, b: RangeSet): boolean {
  return a.some((r) => b.some((s) => rangesOverlap(r, s)));
}

/** `start-end,start-end` as host-local prints a set. */
export function rangeSetString(set: RangeSet): string {
  return set.map(rangeString).join(",");
}
