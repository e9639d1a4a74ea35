/**
 * `--ip-blackhole-route` (spec/flannel.md §6.6): every `--iptables-resync` seconds, starting
 * one period after start-up, make sure a `blackhole <own subnet>` route exists for each of
 * this node's lease subnets (IPv4 and IPv6), so traffic to unassigned pod addresses is dropped
 * here instead of following the default route out (Canal's need).
 *
 * Design notes: the route goes into table main with iproute2's defaults (proto boot), as
 * upstream's `netlink.RouteAdd`; being neither proto 242 nor on a flannel device, the
 * reconciler never takes it for its own. Only a missing route is added: an operator's
 * `blackhole` with another metric counts as present. Where a connected route for the same
 * prefix exists (a `cni0` bridge with the subnet's gateway address) the kernel refuses the
 * add with EEXIST; that is logged each period as upstream does.
 */
import type { Clock } from "../clock.ts";
import { errorText } from "../errors.ts";
import type { Family, IPNet } from "../ip/mod.ts";
import type { Logger } from "../log.ts";
import * as K from "../netlink/codec/consts.ts";
import type { Rtnl } from "../netlink/rtnl.ts";

/** The kernel calls the keeper needs. */
export interface BlackholePort {
  /** Destinations of the blackhole routes of `family` in table main. */
  blackholes(family: Family): Promise<IPNet[]>;
  /** Equivalent to `ip route add blackhole <dst>`. */
  add(dst: IPNet): Promise<void>;
}

/** Adds the blackhole route of each subnet that lacks one; failures are logged, never thrown. */
export async function ensureBlackholes(
  port: BlackholePort,
  subnets: readonly IPNet[],
  log: Logger,
): Promise<void> {
  for (const subnet of subnets) {
    try {
      const present = await port.blackholes(subnet.family);
      if (present.some((n) => n.equals(subnet))) continue;
      await port.add(subnet);
      log.info(`Added blackhole route for ${subnet}`);
    } catch (err) {
      log.error(`Failed to setup blackhole route for ${subnet}: ${errorText(err)}`);
    }
  }
}

/** Runs {@linkcode ensureBlackholes} every `periodMs` until `signal` aborts; never rejects. */
export async function keepBlackholes(opts: {
  port: BlackholePort;
  subnets: readonly IPNet[];
  periodMs: number;
  clock: Clock;
  log: Logger;
  signal: AbortSignal;
}): Promise<void> {
  for (;;) {
    await opts.clock.sleep(opts.periodMs, opts.signal);
    if (opts.signal.aborted) return;
    await ensureBlackholes(opts.port, opts.subnets, opts.log);
  }
}

/** The port over the agent's rtnetlink connection. */
export function netlinkBlackholes(nl: Rtnl): BlackholePort {
  return {
    blackholes: (family) =>
      Promise.resolve().then(() =>
        nl.route.list({ family: family === 4 ? K.AF_INET : K.AF_INET6, table: "all" })
          .filter((r) => r.type === K.RTN_BLACKHOLE && (r.table ?? r.rtmTable) === K.RT_TABLE_MAIN)
          .map((r) => r.dst)
          .filter((d) => d !== undefined)
      ),
    add: (dst) => Promise.resolve().then(() => nl.route.add({ dst, type: K.RTN_BLACKHOLE })),
  };
}
