/**
 * The agent's traffic rules (spec/flannel.md §1.5 steps 8 and 12–15, §6): what to ask the
 * firewall for, given the network config, our lease, the flags and the previous subnet.env;
 * then the background loops that keep the rules (iptables resync) and the blackhole routes.
 *
 * Design notes: the plan is a pure function ({@linkcode trafficPlan}), so every flag
 * combination is tested without a kernel. The previous `FLANNEL_*NETWORK`/`FLANNEL_*SUBNET`
 * values are read before the new subnet.env is written (the agent calls `beforeReady` first),
 * so iptables mode can recycle the rules of an old network or subnet. Masquerade targets need
 * both a network and our subnet of that family; forward rules go to every configured network,
 * enabled or not, as upstream. Rules are never removed on shutdown.
 */
import type { Clock } from "../clock.ts";
import type { NetworkConfig } from "../config/net_conf.ts";
import { subnetEnvCIDR } from "../config/subnet_env.ts";
import type { FirewallMode, FirewallSetup, MasqTarget } from "../firewall/mod.ts";
import type { IPNet } from "../ip/mod.ts";
import type { Lease } from "../lease/types.ts";
import type { Logger } from "../log.ts";
import { type BlackholePort, keepBlackholes } from "./blackhole.ts";

/** The flags that shape the traffic rules (a subset of mod/config/flags.ts `Options`). */
export interface TrafficOptions {
  readonly subnetFile: string;
  readonly ipMasq: boolean;
  readonly ipMasqRandomFullyDisable: boolean;
  readonly iptablesForwardRules: boolean;
  readonly iptablesResyncSeconds: number;
  readonly blackholeRoute: boolean;
}

/** What {@linkcode trafficPlan} decides. */
export interface TrafficPlan {
  mode: FirewallMode;
  setup: FirewallSetup;
  /** Our lease subnets to keep blackhole routes for (empty without `--ip-blackhole-route`). */
  blackholes: IPNet[];
}

/** `iptables` unless the network config says `EnableNFTables: true`. */
export function firewallMode(config: Pick<NetworkConfig, "enableNFTables">): FirewallMode {
  return config.enableNFTables ? "nftables" : "iptables";
}

/**
 * PURE: the firewall set-up and blackhole subnets for this node. `previous` holds the
 * variables of the subnet.env left by the last run (empty on a first start).
 */
export function trafficPlan(
  o: TrafficOptions,
  config: NetworkConfig,
  lease: Pick<Lease, "subnet" | "ipv6Subnet">,
  previous: ReadonlyMap<string, string>,
  log: Logger,
): TrafficPlan {
  const prev = (key: Parameters<typeof subnetEnvCIDR>[1]) =>
    previous.size === 0 ? undefined : subnetEnvCIDR(previous, key, log, o.subnetFile) ?? undefined;
  const families = [
    { network: config.network, subnet: lease.subnet, keys: ["FLANNEL_NETWORK", "FLANNEL_SUBNET"] },
    {
      network: config.ipv6Network,
      subnet: lease.ipv6Subnet,
      keys: ["FLANNEL_IPV6_NETWORK", "FLANNEL_IPV6_SUBNET"],
    },
  ] as const;
  const targets: MasqTarget[] = [];
  if (o.ipMasq) {
    for (const f of families) {
      if (f.network === null || f.subnet === null) continue;
      targets.push({
        network: f.network,
        subnet: f.subnet,
        prevNetwork: prev(f.keys[0]),
        prevSubnet: prev(f.keys[1]),
      });
    }
  }
  const networks = families.map((f) => f.network).filter((n) => n !== null);
  return {
    mode: firewallMode(config),
    setup: {
      masq: o.ipMasq ? { targets, fullyRandomDisable: o.ipMasqRandomFullyDisable } : undefined,
      forwardNetworks: o.iptablesForwardRules ? networks : undefined,
    },
    blackholes: o.blackholeRoute ? [lease.subnet, lease.ipv6Subnet].filter((n) => n !== null) : [],
  };
}

/** The part of mod/firewall's `Firewall` the agent drives. */
export interface FirewallPort {
  setup(s: FirewallSetup): Promise<void>;
  /** Resolves when `signal` aborts (at once in nftables mode); never rejects. */
  startResync(periodSeconds: number, signal: AbortSignal): Promise<void>;
}

export interface TrafficDeps {
  options: TrafficOptions;
  firewall(mode: FirewallMode): FirewallPort;
  /** The variables of the subnet file as the last run left it (empty when missing). */
  readPrevious(): Promise<Map<string, string>>;
  blackholePort: BlackholePort;
  clock: Clock;
  logger: Logger;
}

/**
 * Installs the rules (steps 12–14; a masquerade failure rejects with the firewall's
 * `Failed to setup masq rules` error) and starts the resync and blackhole loops, which run
 * until `signal` aborts. Returns the loops' completion.
 */
export async function installTraffic(
  d: TrafficDeps,
  config: NetworkConfig,
  lease: Pick<Lease, "subnet" | "ipv6Subnet">,
  signal: AbortSignal,
): Promise<{ loops: Promise<void> }> {
  const o = d.options;
  const previous = o.ipMasq ? await d.readPrevious() : new Map<string, string>();
  const plan = trafficPlan(o, config, lease, previous, d.logger);
  const fw = d.firewall(plan.mode);
  await fw.setup(plan.setup);
  const loops: Promise<void>[] = [fw.startResync(o.iptablesResyncSeconds, signal)];
  if (plan.blackholes.length > 0) {
    loops.push(keepBlackholes({
      port: d.blackholePort,
      subnets: plan.blackholes,
      periodMs: o.iptablesResyncSeconds * 1000,
      clock: d.clock,
      log: d.logger,
      signal,
    }));
  }
  return { loops: Promise.all(loops).then(() => {}) };
}
