/**
 * The backend contract. A backend is config + devices + a pure plan (STYLE rule 5):
 *
 * - `parseConfig(raw)` reads the `Backend` object of the network config (pure, typed errors);
 * - `create(config, deps).prepare(env)` ensures the backend's devices, idempotently (a
 *   compatible device is reused, a missing one made again), and returns the lease attributes,
 *   the MTU and the plan;
 * - `Prepared.desiredState(remoteLeases)` is PURE: the routes, neighbours and FDB entries this
 *   host must hold for those leases. The union over leases is the whole state, so the agent
 *   may plan lease by lease. `Prepared.check(lease)` (pure) says why a lease cannot be planned.
 *
 * Backends hold no event loops and no rollback code: mod/reconcile applies the plan.
 * Device work goes through {@linkcode DeviceOps}, so backends are unit-tested with a fake
 * kernel; mod/agent/netlink_kernel.ts implements it over mod/netlink.
 *
 * Design notes: backends/ owns this contract and mod/agent keeps only the lifecycle that
 * drives it. mod/agent imports these types (type-only, erased at run time), the one place
 * where mod/ names backends/; the backends themselves stay out of mod/ (main_agent.ts picks
 * them from backends/mod.ts).
 */
import type { NetworkConfig } from "../mod/config/net_conf.ts";
import type { IPAddr, IPNet } from "../mod/ip/mod.ts";
import type { Logger } from "../mod/log.ts";
import type { Lease, LeaseAttrs } from "../mod/lease/types.ts";
import type { DesiredState } from "../mod/reconcile/entries.ts";
import type { StoredHints } from "../mod/subnet/manager.ts";

/** The host's interface for inter-host traffic (spec §1.6), chosen at start. */
export interface ExternalInterface {
  name: string;
  index: number;
  mtu: number;
  /** Interface addresses (`IfaceAddr`, `IfaceV6Addr`). */
  addr4: IPAddr | null;
  addr6: IPAddr | null;
  /** Addresses advertised to peers (`--public-ip(v6)` or the interface's). */
  extAddr4: IPAddr | null;
  extAddr6: IPAddr | null;
  /** Networks directly reachable on this interface (its addresses' prefixes). */
  onLink: IPNet[];
}

/** One network device as the kernel reports it. */
export interface LinkInfo {
  index: number;
  name: string;
  kind: string;
  mtu: number;
  mac: string;
  up: boolean;
  vxlan?: VxlanAttrs;
}

/** `ip link add <name> type vxlan id <vni> dev <underlay> local <local> dstport <port> ...`. */
export interface VxlanAttrs {
  vni: number;
  /** Underlay ifindex (`IFLA_VXLAN_LINK`); 0 when unset. */
  link: number;
  local: IPAddr | null;
  /** 0 when unset (the kernel then uses 8472). */
  port: number;
  gbp: boolean;
  learning: boolean;
  l2miss: boolean;
  l3miss: boolean;
}

export interface VxlanSpec extends VxlanAttrs {
  name: string;
  mtu: number;
  mac: string;
}

/** An address on a device: the address as written plus its prefix length. */
export interface DeviceAddr {
  ip: IPAddr;
  prefixLen: number;
}

/** The device operations backends need; each says the iproute2 command it equals. */
export interface DeviceOps {
  /** `ip -d link show <name>`; null when absent. */
  getLink(name: string): Promise<LinkInfo | null>;
  /** `ip link add <name> address <mac> mtu <mtu> type vxlan id ... nolearning`. */
  addVxlan(spec: VxlanSpec): Promise<void>;
  /** `ip link del <name>`; absent is fine. */
  deleteLink(name: string): Promise<void>;
  /** `ip link set <name> mtu <mtu> up`. */
  setMtuUp(name: string, mtu: number): Promise<void>;
  /** `ip addr show dev <name>`. */
  listAddrs(name: string): Promise<DeviceAddr[]>;
  /** `ip addr replace <ip>/<len> dev <name>`. */
  addAddr(name: string, a: DeviceAddr): Promise<void>;
  /** `ip addr del <ip>/<len> dev <name>`; absent is fine. */
  delAddr(name: string, a: DeviceAddr): Promise<void>;
  /** `sysctl -w net.<path>=<value>` inside our namespace (e.g. `ipv6/conf/flannel-v6.1/accept_ra`). */
  setSysctl(path: string, value: string): Promise<void>;
}

export interface PrepareEnv {
  config: NetworkConfig;
  iface: ExternalInterface;
  /** Our lease once acquired; null during the first prepare (before acquisition). */
  lease: Lease | null;
  hints: StoredHints;
  logger: Logger;
}

export interface Prepared {
  /** What we publish with our lease. */
  attrs: LeaseAttrs;
  /** FLANNEL_MTU. */
  mtu: number;
  /** Devices this backend owns: their permanent neighbours and FDB entries are ours to prune. */
  devices: string[];
  /** PURE: kernel entries for these remote leases (our own lease must not be among them). */
  desiredState(remote: readonly Lease[]): DesiredState;
  /**
   * PURE: why the plan cannot use a remote lease of this backend's type (its backend data
   * does not decode, it lacks a public address), in words for a log line; null when it can.
   * The agent skips such a lease (and removes what it had); the network-level rules (inside
   * the Network, SubnetLen, not the underlay) are mod/lease/validate.ts's, not the backend's.
   */
  check?(lease: Lease): string | null;
}

export interface Backend {
  /** Lower-case registry name (`vxlan`). */
  readonly type: string;
  prepare(env: PrepareEnv): Promise<Prepared>;
}

export interface BackendDeps {
  devices: DeviceOps;
  /** `n` random bytes (VTEP MACs). */
  randomBytes(n: number): Uint8Array;
}

export interface BackendFactory<C = unknown> {
  /** Parses the `Backend` object; throws ConfigError / ParseError. Pure. */
  parseConfig(raw: Record<string, unknown>): C;
  create(config: C, deps: BackendDeps): Backend;
}
