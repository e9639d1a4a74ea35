/**
 * Lease watch → LeaseWatcher → backend plan → reconciler, for the life of the agent.
 *
 * Design notes: each remote lease is one reconciler group (keyed like the LeaseWatcher), so an
 * event costs work for that lease only. The first snapshot is applied with a full pass (kernel
 * read back, stale entries of leases gone while we were down pruned); only then do the periodic
 * passes and the event-driven repair start. Later results are flushed at once: the latency from a store event to the
 * kernel is one batched netlink round trip. A watch that fails or ends is started again after a
 * second; its first result is a snapshot, which the LeaseWatcher turns into the difference.
 */
import type { Clock } from "../clock.ts";
import { errorText } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Lease, LeaseEvent, LeaseSubnets, LeaseWatchResult } from "../lease/types.ts";
import { LeaseWatcher } from "../lease/watcher.ts";
import type { Reconciler } from "../reconcile/reconciler.ts";
import type { SubnetManager } from "../subnet/manager.ts";
import type { Prepared } from "../../backends/contract.ts";
import type { LeaseGate } from "./lease_gate.ts";
import { RETRY_INTERVAL_MS } from "./retry.ts";

/** The reconciler group of a lease: both subnets, as the LeaseWatcher keys leases. */
export function leaseGroup(s: LeaseSubnets): string {
  return `${s.subnet ?? ""}&${s.ipv6Subnet ?? ""}`;
}

export interface WatchLoopDeps {
  manager: SubnetManager;
  state: { lease: Lease; prepared: Prepared };
  reconciler: Reconciler;
  /** A watch already opened (its results are used before any new watch is started). */
  first?: AsyncIterable<LeaseWatchResult>;
  /** Event-driven repair (./repair_loop.ts), started with the periodic passes. */
  repair?: () => Promise<void>;
  /** Skips (and says once) leases that must not be programmed (./lease_gate.ts). */
  gate?: LeaseGate;
  clock: Clock;
  logger: Logger;
  signal: AbortSignal;
}

/**
 * Upstream's per-family lines for a lease event (`Subnet added: <subnet> via <public IP>`,
 * `Subnet removed: <subnet>`), which users grep to follow peers coming and going.
 */
export function subnetEventLines(ev: LeaseEvent): string[] {
  const { subnet, ipv6Subnet, attrs } = ev.lease;
  const lines: string[] = [];
  if (subnet !== null) {
    lines.push(
      ev.type === "added"
        ? `Subnet added: ${subnet} via ${attrs.publicIP ?? "0.0.0.0"}`
        : `Subnet removed: ${subnet}`,
    );
  }
  if (ipv6Subnet !== null) {
    lines.push(
      ev.type === "added"
        ? `Subnet added: ${ipv6Subnet} via ${attrs.publicIPv6 ?? "<nil>"}`
        : `Subnet removed: ${ipv6Subnet}`,
    );
  }
  return lines;
}

/**
 * The verbosity of {@linkcode subnetEventLines}: upstream's route-based backends (host-gw)
 * log them as info, vxlan logs its per-subnet lines at `-v 2` (5,000 peers → 5,000 lines).
 */
export function subnetEventLevel(backendType: string): number {
  return backendType === "vxlan" ? 2 : 0;
}

/** Applies lease events to the reconciler's desired state (no kernel work). */
export function applyEvents(d: WatchLoopDeps, events: readonly LeaseEvent[]): void {
  const type = d.state.prepared.attrs.backendType;
  const logged = d.logger.enabled(subnetEventLevel(type));
  for (const ev of events) {
    const group = leaseGroup(ev.lease);
    if (ev.type === "added" && ev.lease.attrs.backendType !== type) {
      d.logger.warn(`Ignoring non-${type} subnet: type=${ev.lease.attrs.backendType}`);
      d.reconciler.deleteGroup(group);
      continue;
    }
    // A lease that turns bad loses what it had; one never programmed says no "removed" line.
    let quiet = false;
    if (ev.type === "removed") {
      quiet = d.gate?.forget(group) ?? false;
      d.reconciler.deleteGroup(group);
    } else if (d.gate?.admit(group, ev.lease) === false) {
      quiet = true;
      d.reconciler.deleteGroup(group);
    } else d.reconciler.setGroup(group, d.state.prepared.desiredState([ev.lease]));
    if (logged && !quiet) { for (const line of subnetEventLines(ev)) d.logger.info(line); }
  }
}

/** RSS, V8 heap and external (ArrayBuffer) memory in MiB, for `-v 3`. */
export function memoryText(): string {
  const m = Deno.memoryUsage();
  const mib = (n: number) => (n / 1048576).toFixed(1);
  return `rss ${mib(m.rss)} MiB, heap ${mib(m.heapUsed)}/${mib(m.heapTotal)} MiB, ` +
    `external ${mib(m.external)} MiB`;
}

/** Runs until `signal` aborts; never throws. */
export async function watchLoop(d: WatchLoopDeps): Promise<void> {
  const watcher = new LeaseWatcher(d.state.lease, d.logger);
  let periodic: Promise<void> | null = null;
  let source = d.first;
  while (!d.signal.aborted) {
    try {
      const results = source ?? d.manager.watchLeases(d.signal);
      source = undefined;
      for await (const result of results) {
        const events = watcher.apply(result);
        applyEvents(d, events);
        if (periodic === null && result.kind === "snapshot") {
          const r = await d.reconciler.fullPass();
          d.logger.info(
            `Initial sync: ${watcher.leases().length} remote leases, ${r.replaced} entries set, ` +
              `${r.deleted} stale entries pruned`,
          );
          if (d.logger.enabled(3)) d.logger.v(3, `Memory after initial sync: ${memoryText()}`);
          periodic = Promise.all([d.reconciler.run(d.signal), d.repair?.()]).then(() => {});
        } else if (events.length > 0) {
          const t0 = d.clock.now();
          const r = await d.reconciler.flush();
          if (d.logger.enabled(2)) {
            d.logger.v(
              2,
              `Applied ${events.length} lease events: ${r.replaced} replaced, ` +
                `${r.deleted} deleted in ${d.clock.now() - t0} ms`,
            );
          }
        }
      }
    } catch (err) {
      if (d.signal.aborted) break;
      d.logger.warn(`Lease watch failed: ${errorText(err)} (retrying in 1s)`);
    }
    await d.clock.sleep(RETRY_INTERVAL_MS, d.signal);
  }
  await periodic;
}
