/**
 * Which lease subnets a host may act on under a network config, as pure functions: a remote
 * lease is programmed only when each subnet it brings for an enabled family is a subnet of that
 * family's network, and allocation counts a lease as taken only when it is inside the network.
 *
 * Design notes:
 * - Two strengths. `"program"` (routes): inside Network, exactly SubnetLen long (upstream
 *   flanneld writes leases of exactly SubnetLen), so a key for the whole Network, a /8 around
 *   it or `0.0.0.0-0` is refused. `"allocate"`: inside Network and longer than it; a lease of
 *   another length still blocks what it covers (a node of an older SubnetLen keeps its pods),
 *   but one key can no longer cover the whole Network and leave nothing to allocate.
 * - SubnetLen 0 means "any length longer than the Network": the kube manager sets it, because
 *   Kubernetes assigns the pod CIDRs (`--node-cidr-mask-size`) and net-conf.json's SubnetLen is
 *   not used there (upstream does not validate the config in kube mode).
 * - On top of the Network, a programmed subnet must not overlap the networks on the external
 *   interface (the underlay: a route there cuts the host off) nor our own subnets (their
 *   connected routes on cni0 and the flannel device). IPv4 and IPv6 share every rule.
 */
import type { NetworkConfig } from "../config/net_conf.ts";
import type { Family, IPNet } from "../ip/mod.ts";
import type { LeaseSubnets } from "./types.ts";

/** `"program"`: a route may be made for it; `"allocate"`: it counts as taken. */
export type SubnetUse = "program" | "allocate";

interface FamilyRule {
  enabled: boolean;
  network: IPNet | null;
  len: number;
  netName: string;
  lenName: string;
}

function ruleOf(config: NetworkConfig, family: Family): FamilyRule {
  return family === 4
    ? {
      enabled: config.enableIPv4,
      network: config.network,
      len: config.subnetLen,
      netName: "Network",
      lenName: "SubnetLen",
    }
    : {
      enabled: config.enableIPv6,
      network: config.ipv6Network,
      len: config.ipv6SubnetLen,
      netName: "IPv6Network",
      lenName: "IPv6SubnetLen",
    };
}

/** Whether `config` enables `family`. */
export function familyEnabled(config: NetworkConfig, family: Family): boolean {
  return ruleOf(config, family).enabled;
}

/**
 * Why `subnet` cannot be a lease subnet of its family's network for `use`; null when it can.
 *
 * @example
 * ```ts
 * subnetProblem(config, parseCIDR("10.244.0.0/16"), "program");
 * // 'subnet "10.244.0.0/16" is not a /24 (SubnetLen)'
 * ```
 */
export function subnetProblem(
  config: NetworkConfig,
  subnet: IPNet,
  use: SubnetUse,
): string | null {
  const r = ruleOf(config, subnet.family);
  const what = `subnet "${subnet}"`;
  if (!r.enabled || r.network === null) return `${what}: IPv${subnet.family} is not configured`;
  if (!r.network.contains(subnet)) return `${what} is not inside ${r.netName} "${r.network}"`;
  if (use === "program" && r.len > 0 && subnet.prefixLen !== r.len) {
    return `${what} is not a /${r.len} (${r.lenName})`;
  }
  if (subnet.prefixLen <= r.network.prefixLen) {
    return `${what} covers the whole ${r.netName} "${r.network}"`;
  }
  return null;
}

/** What a remote lease is checked against on this host. */
export interface LeaseContext {
  config: NetworkConfig;
  /** The external interface's networks (`ExternalInterface.onLink`). */
  onLink: readonly IPNet[];
  /** Our own lease's subnets. */
  own: LeaseSubnets | null;
}

function overlapProblem(subnet: IPNet, ctx: LeaseContext): string | null {
  const link = ctx.onLink.find((n) => n.overlaps(subnet));
  if (link !== undefined) {
    return `subnet "${subnet}" overlaps "${link}" of the external interface`;
  }
  const own = [ctx.own?.subnet ?? null, ctx.own?.ipv6Subnet ?? null]
    .find((n) => n !== null && n.overlaps(subnet));
  return own ? `subnet "${subnet}" overlaps our own subnet "${own}"` : null;
}

/**
 * Why a remote lease must not be programmed on this host; null when it may. Subnets of
 * families the config does not enable are not looked at (no backend plans them).
 */
export function leaseProblem(lease: LeaseSubnets, ctx: LeaseContext): string | null {
  for (const subnet of [lease.subnet, lease.ipv6Subnet]) {
    if (subnet === null || !familyEnabled(ctx.config, subnet.family)) continue;
    const p = subnetProblem(ctx.config, subnet, "program") ?? overlapProblem(subnet, ctx);
    if (p !== null) return p;
  }
  return null;
}

/** A lease's subnets as one name for log lines: `10.244.1.0/24`, `10.244.1.0/24&fd00::/64`. */
export function leaseName(lease: LeaseSubnets): string {
  return [lease.subnet, lease.ipv6Subnet].filter((n) => n !== null).join("&");
}
