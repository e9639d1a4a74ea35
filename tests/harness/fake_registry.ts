/**
 * Several in-process agents sharing one in-memory lease registry: each gets a SubnetManager
 * view; a lease acquired or deleted by one is an event for the others' watches. For
 * integration tests that run the agent lifecycle in-process against real namespaces.
 */
import { loadNetworkConfig, type NetworkConfig } from "../../mod/config/net_conf.ts";
import { IPNet } from "../../mod/ip/mod.ts";
import type { Lease, LeaseAttrs, LeaseWatchResult } from "../../mod/lease/types.ts";
import {
  LeaseRevokedError,
  type StoredHints,
  type SubnetManager,
} from "../../mod/subnet/manager.ts";

type Sink = (r: LeaseWatchResult) => void;

export class FakeRegistry {
  config: string;
  readonly leases = new Map<string, Lease>();
  readonly #sinks = new Set<Sink>();
  #next = 1;

  constructor(config: string) {
    this.config = config;
  }

  #emit(r: LeaseWatchResult): void {
    for (const s of this.#sinks) s(r);
  }

  put(l: Lease): void {
    this.leases.set(`${l.subnet ?? l.ipv6Subnet}`, l);
    this.#emit({ kind: "events", events: [{ type: "added", lease: l }] });
  }

  /** Deletes the lease of `subnet` (its IPv4 subnet, or IPv6 for IPv6-only leases). */
  delete(subnet: string): void {
    const l = this.leases.get(subnet);
    if (!l) return;
    this.leases.delete(subnet);
    this.#emit({ kind: "events", events: [{ type: "removed", lease: l }] });
  }

  /** A manager for one host; it allocates `<network>.<n>.0/24` in joining order. */
  manager(): SubnetManager {
    // The returned object's methods need the registry's private members.
    // deno-lint-ignore no-this-alias
    const reg = this;
    let own: Lease | null = null;
    return {
      name: "Fake Registry",
      getNetworkConfig: () => Promise.resolve(loadNetworkConfig(reg.config)),
      checkConfig: () => {},
      getStoredHints: (): Promise<StoredHints> =>
        Promise.resolve({ macV4: null, macV6: null, publicIP: null, publicIPv6: null }),
      acquireLease(cfg: NetworkConfig, attrs: LeaseAttrs): Promise<Lease> {
        const n = reg.#next++;
        const sub = (net: IPNet | null, len: number) =>
          net === null ? null : IPNet.of(net.ip.add(BigInt(n) << BigInt(net.ip.bits - len)), len);
        own = {
          subnet: cfg.enableIPv4 ? sub(cfg.network, cfg.subnetLen) : null,
          ipv6Subnet: cfg.enableIPv6 ? sub(cfg.ipv6Network, cfg.ipv6SubnetLen) : null,
          attrs,
          expiration: null,
        };
        reg.put(own);
        return Promise.resolve(own);
      },
      async *watchLeases(signal: AbortSignal): AsyncIterable<LeaseWatchResult> {
        const queue: LeaseWatchResult[] = [];
        let wake: (() => void) | null = null;
        const sink: Sink = (r) => {
          queue.push(r);
          wake?.();
        };
        reg.#sinks.add(sink);
        try {
          yield { kind: "snapshot", leases: [...reg.leases.values()] };
          while (!signal.aborted) {
            if (queue.length === 0) {
              await new Promise<void>((r) => {
                wake = r;
                signal.addEventListener("abort", () => r(), { once: true });
              });
              wake = null;
              continue;
            }
            yield queue.shift()!;
          }
        } finally {
          reg.#sinks.delete(sink);
        }
      },
      completeLease: (_l, signal) =>
        new Promise<void>((resolve, reject) => {
          const sink: Sink = (r) => {
            if (
              r.kind === "events" && own &&
              r.events.some((e) => e.type === "removed" && `${e.lease.subnet}` === `${own!.subnet}`)
            ) {
              reg.#sinks.delete(sink);
              reject(new LeaseRevokedError());
            }
          };
          reg.#sinks.add(sink);
          signal.addEventListener("abort", () => {
            reg.#sinks.delete(sink);
            resolve();
          }, { once: true });
        }),
      close: () => Promise.resolve(),
    };
  }
}
