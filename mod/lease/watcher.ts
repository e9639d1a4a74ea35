/**
 * The lease watcher: folds a store's watch results (snapshots and event batches) into the set
 * of remote leases and says which events a backend must apply (upstream `pkg/lease`
 * `LeaseWatcher.Reset/Update`). Pure: no I/O, no clock; tested by tables.
 *
 * Design notes — three deliberate differences from upstream:
 * - A snapshot and an empty event batch are different things (`kind`), so an event that failed
 *   to parse (which the stores report as `skipped`, never as an event) can no longer turn into
 *   an empty snapshot that removes every lease.
 * - Our own lease is never stored in the known set, so a second snapshot (after compaction or
 *   an outage) does not report it as removed.
 * - A snapshot reports a lease that still exists but whose attributes changed (public IP,
 *   backend data: a peer re-registered while we were not watching) as `added`, so the backend
 *   reprograms it; upstream keeps the stale attributes until the next renewal. Attributes are
 *   compared by their wire encoding; an expiration change alone is not reported.
 * - A reset snapshot (the store lost its data: etcd restarted empty) removes nothing: leases it
 *   lacks are kept, with their routes, until they re-register (an `added` event) or a plain
 *   snapshot drops them; the store hands one over after its grace period. Peers' traffic is
 *   not cut while they re-register.
 */
import type { Logger } from "../log.ts";
import type { Lease, LeaseEvent, LeaseSubnets, LeaseWatchResult } from "./types.ts";
import { encodeLeaseAttrs } from "./value.ts";

/** Map key of a lease's subnets (both families; `sameSubnets` equality). */
function idOf(s: LeaseSubnets): string {
  return `${s.subnet ?? ""}&${s.ipv6Subnet ?? ""}`;
}

function sameAttrs(a: Lease, b: Lease): boolean {
  return encodeLeaseAttrs(a.attrs) === encodeLeaseAttrs(b.attrs);
}

/**
 * Tracks remote leases; every method returns the events to apply, in order.
 *
 * @example
 * ```ts
 * const w = new LeaseWatcher(ownLease);
 * for await (const r of manager.watchLeases(signal)) backend.apply(w.apply(r));
 * ```
 */
export class LeaseWatcher {
  readonly #own: string | null;
  readonly #log: Logger | null;
  readonly #known = new Map<string, Lease>();

  /** `own`: our lease, filtered out of everything; `log` gets upstream's warning lines. */
  constructor(own: LeaseSubnets | null, log?: Logger) {
    this.#own = own === null ? null : idOf(own);
    this.#log = log ?? null;
  }

  /** The remote leases known now. */
  leases(): Lease[] {
    return [...this.#known.values()];
  }

  /** Folds one watch result (snapshot or events). */
  apply(result: LeaseWatchResult): LeaseEvent[] {
    if (result.kind === "events") return this.update(result.events);
    return this.reset(result.leases, { hold: result.reset === true });
  }

  /**
   * A full snapshot: new or changed leases → `added`, vanished ones → `removed` (with their
   * cached attributes); the known set becomes the snapshot. With `hold` (a reset snapshot)
   * vanished leases are kept instead (see the design notes).
   */
  reset(snapshot: readonly Lease[], opts: { hold?: boolean } = {}): LeaseEvent[] {
    const out: LeaseEvent[] = [];
    const next = new Map<string, Lease>();
    for (const lease of snapshot) {
      const id = idOf(lease);
      if (id === this.#own) continue;
      const old = this.#known.get(id);
      if (old === undefined || !sameAttrs(old, lease)) out.push({ type: "added", lease });
      next.set(id, lease);
    }
    let held = 0;
    for (const [id, lease] of this.#known) {
      if (next.has(id)) continue;
      if (opts.hold) {
        next.set(id, lease);
        held++;
      } else out.push({ type: "removed", lease });
    }
    if (held > 0) {
      this.#log?.info(
        `The store lost its data: keeping ${held} of ${this.#known.size} remote leases until ` +
          "they re-register or the grace period ends",
      );
    }
    this.#known.clear();
    for (const [id, lease] of next) this.#known.set(id, lease);
    return out;
  }

  /**
   * A batch of events: `added` replaces or inserts (renewals re-emit it); `removed` carries the
   * cached lease when known, else the bare event (with upstream's error line).
   */
  update(events: readonly LeaseEvent[]): LeaseEvent[] {
    const out: LeaseEvent[] = [];
    for (const ev of events) {
      const id = idOf(ev.lease);
      if (id === this.#own) continue;
      if (ev.type === "added") {
        this.#known.set(id, ev.lease);
        out.push(ev);
        continue;
      }
      const cached = this.#known.get(id);
      if (cached === undefined) {
        this.#log?.error(
          `Removed subnet (${ev.lease.subnet}) and ipv6 subnet (${ev.lease.ipv6Subnet}) were not found`,
        );
        out.push(ev);
      } else {
        this.#known.delete(id);
        out.push({ type: "removed", lease: cached });
      }
    }
    return out;
  }
}
