/**
 * An in-memory SubnetManager for agent unit tests: leases in a map, a watch that yields a
 * snapshot then pushed event batches, scripted failures, and revocation.
 */
import { loadNetworkConfig, type NetworkConfig } from "../../mod/config/net_conf.ts";
import { parseCIDR } from "../../mod/ip/mod.ts";
import type { Lease, LeaseAttrs, LeaseEvent, LeaseWatchResult } from "../../mod/lease/types.ts";
import {
  LeaseRevokedError,
  type StoredHints,
  type SubnetManager,
} from "../../mod/subnet/manager.ts";

export class FakeManager implements SubnetManager {
  readonly name = "Fake Manager";
  config: string;
  /** Errors thrown by the next getNetworkConfig calls, in order. */
  configErrors: Error[] = [];
  leases: Lease[] = [];
  own: Lease | null = null;
  ownSubnet = "10.244.1.0/24";
  #queues: ((r: LeaseWatchResult | null) => void)[] = [];
  #backlog: LeaseWatchResult[] = [];
  #revoke: (() => void) | null = null;
  closed = false;

  constructor(config: string) {
    this.config = config;
  }

  getNetworkConfig(): Promise<NetworkConfig> {
    const err = this.configErrors.shift();
    if (err) return Promise.reject(err);
    try {
      return Promise.resolve(loadNetworkConfig(this.config));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** What checkConfig throws, when set (as the policy manager refuses IPv6-only). */
  refuseConfig: Error | null = null;

  checkConfig(_config: NetworkConfig): void {
    if (this.refuseConfig) throw this.refuseConfig;
  }

  getStoredHints(): Promise<StoredHints> {
    return Promise.resolve({ macV4: null, macV6: null, publicIP: null, publicIPv6: null });
  }

  acquireLease(config: NetworkConfig, attrs: LeaseAttrs): Promise<Lease> {
    this.own = {
      subnet: parseCIDR(this.ownSubnet),
      ipv6Subnet: config.enableIPv6 ? parseCIDR("fd00:10:0:1::/64") : null,
      attrs,
      expiration: null,
    };
    return Promise.resolve(this.own);
  }

  /** Delivers an event batch to the running watch. */
  push(events: LeaseEvent[]): void {
    const r: LeaseWatchResult = { kind: "events", events };
    const q = this.#queues.shift();
    if (q) q(r);
    else this.#backlog.push(r);
  }

  async *watchLeases(signal: AbortSignal): AsyncIterable<LeaseWatchResult> {
    yield { kind: "snapshot", leases: [...this.leases, ...(this.own ? [this.own] : [])] };
    while (!signal.aborted) {
      const next = this.#backlog.shift() ?? await new Promise<LeaseWatchResult | null>((res) => {
        this.#queues.push(res);
        signal.addEventListener("abort", () => res(null), { once: true });
      });
      if (next === null) return;
      yield next;
    }
  }

  completeLease(_lease: Lease, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return resolve();
      signal.addEventListener("abort", () => resolve(), { once: true });
      this.#revoke = () => reject(new LeaseRevokedError());
    });
  }

  /** Our lease was deleted by someone else. */
  revoke(): void {
    this.#revoke?.();
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
