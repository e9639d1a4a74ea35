/**
 * What the agent needs from a subnet manager, whatever keeps the leases: the policy manager
 * over a {@linkcode LeaseStore} (etcd, local) or the Kubernetes manager (store/kube.ts),
 * which takes the subnet from the node's podCIDR.
 */
import { FlannelError } from "../errors.ts";
import type { NetworkConfig } from "../config/net_conf.ts";
import type { Lease, LeaseAttrs, LeaseWatchResult } from "../lease/types.ts";

/** Our lease was deleted by someone else: the agent shuts down cleanly (exit 0). */
export class LeaseRevokedError extends FlannelError {
  override name = "LeaseRevokedError";
  constructor() {
    super("EREVOKED", "Lease has been revoked. Shutting down daemon.");
  }
}

/** No free subnet is left in [SubnetMin, SubnetMax]. */
export class OutOfSubnetsError extends FlannelError {
  override name = "OutOfSubnetsError";
  constructor(range: string) {
    super("ENOSUBNET", `out of subnets: every subnet in ${range} is leased`);
  }
}

/** Values an earlier run or the operator left for us (kube annotations; else nulls). */
export interface StoredHints {
  /** VTEP MACs to reuse so peers' neighbour entries stay valid across restarts. */
  macV4: string | null;
  macV6: string | null;
  /** `node-public-ip` annotations: replace `--public-ip(v6)` (kube mode only). */
  publicIP: string | null;
  publicIPv6: string | null;
}

export interface SubnetManager {
  /** `Etcd Local Manager with Previous Subnet: 10.5.1.0/24` / `Kubernetes Subnet Manager - node1`. */
  readonly name: string;
  /** Reads and (etcd/local) validates the network config; throws while it is missing or bad. */
  getNetworkConfig(): Promise<NetworkConfig>;
  /**
   * Throws a ConfigError when this manager cannot serve `config` (etcd and the local store:
   * IPv6-only); the agent asks before it creates anything.
   */
  checkConfig(config: NetworkConfig): void;
  getStoredHints(): Promise<StoredHints>;
  /** Acquires (reuses, or allocates and creates) our lease. Retries conflicts itself. */
  acquireLease(config: NetworkConfig, attrs: LeaseAttrs, signal: AbortSignal): Promise<Lease>;
  /**
   * Every lease change until `signal` aborts; the first result is a snapshot. Our own lease
   * is included: the LeaseWatcher filters it.
   */
  watchLeases(signal: AbortSignal): AsyncIterable<LeaseWatchResult>;
  /**
   * Runs for the life of the agent: renewals before expiry (etcd/local), the node condition
   * (kube). Resolves when `signal` aborts; rejects with {@linkcode LeaseRevokedError} when
   * our lease is deleted by someone else.
   */
  completeLease(lease: Lease, signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}
