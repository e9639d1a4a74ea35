/**
 * Node changes → lease events (upstream's informer handlers), and the fan-out to watchers:
 * each `watch()` starts with a snapshot of every managed node's lease, then gets the events
 * in batches of at most `maxBatch` (upstream's `EVENT_QUEUE_DEPTH`).
 *
 * Rules: only nodes with `kube-subnet-manager: "true"` count; an add is `added`; an update is
 * `added` only when the lease changed (mod/lease/node.ts `leaseChanged`); a delete, or a node
 * that stops being managed, is `removed`; a node that cannot be read as a lease is skipped
 * with upstream's log line, and its last good lease stays.
 */
import { errorText } from "../../mod/errors.ts";
import type { Logger } from "../../mod/log.ts";
import type { AnnotationNames } from "../../mod/lease/annotations.ts";
import {
  type Families,
  isManaged,
  type KubeNode,
  leaseChanged,
  nodeToLease,
} from "../../mod/lease/node.ts";
import type { Lease, LeaseEvent, LeaseWatchResult } from "../../mod/lease/types.ts";
import type { NodeChange } from "./informer.ts";

interface Subscriber {
  queue: LeaseEvent[];
  wake: (() => void) | null;
}

export class LeaseFeed {
  /** Leases of managed nodes by node name. */
  readonly leases = new Map<string, Lease>();
  readonly #subs = new Set<Subscriber>();

  constructor(
    readonly names: AnnotationNames,
    readonly families: Families,
    readonly logger: Logger,
    readonly maxBatch = 5000,
  ) {}

  #lease(n: KubeNode): Lease | null {
    try {
      return nodeToLease(n, this.names, this.families);
    } catch (err) {
      this.logger.info(`Error turning node "${n.metadata.name}" to lease: ${errorText(err)}`);
      return null;
    }
  }

  #event(c: NodeChange): LeaseEvent | null {
    const was = c.before !== null && isManaged(c.before, this.names);
    if (c.after !== null && isManaged(c.after, this.names)) {
      if (was && !leaseChanged(c.before!, c.after, this.names, this.families)) return null;
      const lease = this.#lease(c.after);
      if (!lease) return null;
      this.leases.set(c.name, lease);
      return { type: "added", lease };
    }
    if (!was) return null;
    const lease = this.leases.get(c.name) ?? this.#lease(c.before!);
    this.leases.delete(c.name);
    return lease ? { type: "removed", lease } : null;
  }

  /** Turns node changes into lease events and queues them for every watcher. */
  apply(changes: readonly NodeChange[]): LeaseEvent[] {
    const events = changes.map((c) => this.#event(c)).filter((e) => e !== null);
    if (events.length === 0) return events;
    for (const s of this.#subs) {
      s.queue.push(...events);
      s.wake?.();
    }
    return events;
  }

  /** Number of open watches. */
  get watchers(): number {
    return this.#subs.size;
  }

  /** A snapshot of every lease, then event batches, until `signal` aborts. */
  async *watch(signal: AbortSignal): AsyncGenerator<LeaseWatchResult> {
    const sub: Subscriber = { queue: [], wake: null };
    this.#subs.add(sub);
    const onAbort = () => sub.wake?.();
    signal.addEventListener("abort", onAbort);
    try {
      yield { kind: "snapshot", leases: [...this.leases.values()] };
      while (!signal.aborted) {
        if (sub.queue.length === 0) {
          await new Promise<void>((resolve) => (sub.wake = resolve));
          sub.wake = null;
          continue;
        }
        yield { kind: "events", events: sub.queue.splice(0, this.maxBatch) };
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      this.#subs.delete(sub);
    }
  }
}
