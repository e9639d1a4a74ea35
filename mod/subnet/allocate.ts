/**
 * Pure subnet policy pieces (upstream `pkg/subnet/etcd/local_manager.go`): is a lease's subnet
 * compatible with the config, which subnets are free, pick one at random.
 *
 * Design notes: one generic path serves both families through {@linkcode FamilyRange}. Free
 * candidates are found by walking [SubnetMin, SubnetMax] against the taken subnets merged into
 * sorted intervals, jumping over each taken block, so 5,000 leases or a huge IPv6 range cost
 * O(leases · log leases + candidates) instead of upstream's candidates × leases scan.
 */
import type { NetworkConfig } from "../config/net_conf.ts";
import { type Family, IPAddr, IPNet } from "../ip/mod.ts";
import type { LeaseSubnets } from "../lease/types.ts";
import { familyEnabled, leaseName, subnetProblem } from "../lease/validate.ts";
import { OutOfSubnetsError } from "./manager.ts";

/** Upstream picks at random among at most this many free subnets. */
export const MAX_CANDIDATES = 100;

/** A random number in [0, 1) (`Math.random`, or a seeded one in tests). */
export type Random = () => number;

/** The allocatable range of one family of a validated config. */
export interface FamilyRange {
  family: Family;
  len: number;
  min: IPAddr;
  max: IPAddr;
}

/** The range of `family` in a validated config; `null` when that family is disabled. */
export function familyRange(config: NetworkConfig, family: Family): FamilyRange | null {
  const [on, len, min, max] = family === 4
    ? [config.enableIPv4, config.subnetLen, config.subnetMin, config.subnetMax]
    : [config.enableIPv6, config.ipv6SubnetLen, config.ipv6SubnetMin, config.ipv6SubnetMax];
  if (!on || min === null || max === null) return null;
  return { family, len, min, max };
}

function fits(range: FamilyRange, net: IPNet): boolean {
  return net.family === range.family && net.prefixLen === range.len &&
    net.ip.compare(range.min) >= 0 && net.ip.compare(range.max) <= 0;
}

/**
 * Whether a lease's subnets suit the config (upstream `isSubnetConfigCompat` and
 * `isIPv6SubnetConfigCompat`): each enabled family's subnet is in [min, max] with the right
 * length; a disabled family must be absent.
 */
export function isCompatible(config: NetworkConfig, s: LeaseSubnets): boolean {
  return ([[4, s.subnet], [6, s.ipv6Subnet]] as const).every(([family, net]) => {
    const range = familyRange(config, family);
    if (range === null) return net === null;
    return net !== null && fits(range, net);
  });
}

/** Whether `s` overlaps any of `taken` in either family. */
export function overlapsAny(s: LeaseSubnets, taken: readonly LeaseSubnets[]): boolean {
  const hit = (a: IPNet | null, b: IPNet | null) => a !== null && b !== null && a.overlaps(b);
  return taken.some((t) => hit(s.subnet, t.subnet) || hit(s.ipv6Subnet, t.ipv6Subnet));
}

/** A lease subnet that allocation does not count as taken, and why. */
export interface IgnoredSubnet {
  lease: string;
  reason: string;
}

/**
 * The subnets that block allocation: each enabled family's subnet when it lies inside that
 * family's network and is longer than it (mod/lease/validate.ts `"allocate"`); others are
 * dropped (that family becomes null) and reported, so a key for the whole Network or one
 * outside it cannot exhaust the range.
 */
export function countedSubnets(
  config: NetworkConfig,
  leases: readonly LeaseSubnets[],
): { taken: LeaseSubnets[]; ignored: IgnoredSubnet[] } {
  const ignored: IgnoredSubnet[] = [];
  const keep = (l: LeaseSubnets, net: IPNet | null): IPNet | null => {
    if (net === null || !familyEnabled(config, net.family)) return net;
    const reason = subnetProblem(config, net, "allocate");
    if (reason === null) return net;
    ignored.push({ lease: leaseName(l), reason });
    return null;
  };
  const taken = leases.map((l) => ({
    subnet: keep(l, l.subnet),
    ipv6Subnet: keep(l, l.ipv6Subnet),
  }));
  return { taken, ignored };
}

/** Taken blocks of one family as merged, sorted [first, last] value intervals. */
function takenIntervals(family: Family, taken: readonly (IPNet | null)[]): [bigint, bigint][] {
  const iv = taken.filter((n): n is IPNet => n !== null && n.family === family)
    .map((n): [bigint, bigint] => [n.ip.value, n.last.value])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const merged: [bigint, bigint][] = [];
  for (const [lo, hi] of iv) {
    const top = merged.at(-1);
    if (top !== undefined && lo <= top[1] + 1n) top[1] = hi > top[1] ? hi : top[1];
    else merged.push([lo, hi]);
  }
  return merged;
}

/**
 * Free subnets of `range`, from SubnetMin upwards, skipping any that overlaps `taken`;
 * at most `limit` of them (upstream's candidate list).
 */
export function freeSubnets(
  range: FamilyRange,
  taken: readonly (IPNet | null)[],
  limit = MAX_CANDIDATES,
): IPNet[] {
  const step = 1n << BigInt(range.min.bits - range.len);
  const busy = takenIntervals(range.family, taken);
  const out: IPNet[] = [];
  let v = range.min.value;
  let i = 0;
  while (v <= range.max.value && out.length < limit) {
    const last = v + step - 1n;
    while (i < busy.length && busy[i]![1] < v) i++;
    const b = busy[i];
    if (b !== undefined && b[0] <= last) {
      // Jump to the first aligned candidate after this taken block.
      v = ((b[1] + 1n + step - 1n) / step) * step;
      continue;
    }
    out.push(IPNet.of(IPAddr.of(range.family, v), range.len));
    v += step;
  }
  return out;
}

function pick(range: FamilyRange, taken: readonly (IPNet | null)[], random: Random): IPNet {
  const free = freeSubnets(range, taken);
  if (free.length === 0) {
    throw new OutOfSubnetsError(`${range.min}/${range.len} ... ${range.max}/${range.len}`);
  }
  return free[Math.min(free.length - 1, Math.floor(random() * free.length))]!;
}

/**
 * Picks a free subnet for every enabled family, uniformly among the first
 * {@linkcode MAX_CANDIDATES} free ones (upstream `allocateSubnet`); throws
 * {@linkcode OutOfSubnetsError} when a family has none left.
 */
export function allocateSubnets(
  config: NetworkConfig,
  taken: readonly LeaseSubnets[],
  random: Random,
): LeaseSubnets {
  const out: LeaseSubnets = { subnet: null, ipv6Subnet: null };
  const v4 = familyRange(config, 4);
  const v6 = familyRange(config, 6);
  if (v4 !== null) out.subnet = pick(v4, taken.map((t) => t.subnet), random);
  if (v6 !== null) out.ipv6Subnet = pick(v6, taken.map((t) => t.ipv6Subnet), random);
  return out;
}
