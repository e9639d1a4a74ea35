/**
 * The reconciler: the only code that changes kernel state for remote leases.
 *
 * Design notes: desired state is kept per group (one group per remote lease, ./desired.ts) so
 * a lease event costs work proportional to that lease, not to the cluster. A change queues
 * `replace` or `delete` ops per entry key; {@linkcode Reconciler.flush} sends the due ones in
 * one batched call. A full pass ({@linkcode Reconciler.fullPass}, every `intervalMs` from
 * {@linkcode Reconciler.run}, or early on {@linkcode Reconciler.requestPass}) re-ensures the
 * devices, reads the kernel back (streamed into the diff: the entries read are not kept) and
 * repairs every difference: a deleted route, neighbour, FDB entry or whole device comes back,
 * and entries of leases that vanished while we were down are pruned. A failed op is retried
 * for its key alone with exponential backoff; nothing here throws into the agent. Flushes and
 * passes run one at a time (a promise chain), so the kernel never sees two writers from us.
 *
 * Routes we do not own are not overwritten: none outside the cluster networks is desired
 * ({@linkcode Reconciler.setGroup}); a full pass does not replace one whose key a connected
 * route or a foreign route holds (./ownership.ts `isForeignRoute`, said once); a flush reads no
 * kernel state (a dump per lease event) but skips the keys of the connected routes the last
 * pass saw. A connected route made since then with exactly a lease's key is what the agent's
 * lease validation rules out (mod/lease/validate.ts: a desired route is a SubnetLen subnet of
 * the Network apart from the external interface's networks and our own subnets).
 */
import type { Clock } from "../clock.ts";
import { errorText } from "../errors.ts";
import type { Logger } from "../log.ts";
import { BlockedKeys, Differ, type Observed, type Op, orderOps } from "./diff.ts";
import type { Scope } from "./ownership.ts";
import { DesiredEntries } from "./desired.ts";
import { describeEntry, type Entry, entryKey } from "./entries.ts";

/** The kernel as the reconciler sees it (mod/agent/netlink_kernel.ts is the real one). */
export interface KernelPort {
  /**
   * Visits the routes of the main table, and the neighbours and FDB entries of the scope's
   * devices, one at a time: a full pass over 5,000 peers reads 15,000 entries, and nothing
   * of them needs to be kept.
   */
  scan(scope: Scope, visit: (o: Observed) => void): Promise<void>;
  /** Applies ops in order (batched); one result per op. Deleting a missing entry is success. */
  apply(ops: readonly Op[]): Promise<(Error | null)[]>;
}

export interface ReconcilerOptions {
  kernel: KernelPort;
  scope: Scope;
  clock: Clock;
  logger: Logger;
  /** Period of the full pass (`--reconcile-interval`, seconds × 1000). */
  intervalMs: number;
  /** Runs first in every full pass: re-ensures devices and addresses (idempotent). */
  ensure?: () => Promise<void>;
  retryInitialMs?: number;
  retryMaxMs?: number;
}

/** What one flush or pass did. */
export interface PassResult {
  replaced: number;
  deleted: number;
  failed: number;
}

interface Pending {
  op: Op;
  attempts: number;
  dueAt: number;
}

export class Reconciler {
  readonly #o: ReconcilerOptions;
  readonly #desired = new DesiredEntries();
  readonly #pending = new Map<string, Pending>();
  readonly #blocked = new BlockedKeys();
  #chain: Promise<unknown> = Promise.resolve();
  #wake: AbortController | null = null;
  #passWanted = false;

  constructor(opts: ReconcilerOptions) {
    this.#o = opts;
  }

  /** Number of entries currently desired. */
  get size(): number {
    return this.#desired.byKey.size;
  }

  /** Entries currently desired (for status and tests). */
  desired(): Entry[] {
    return [...this.#desired.byKey.values()];
  }

  /** The desired entry under `e`'s key (the kernel object `e` occupies), if any. */
  wanted(e: Entry): Entry | undefined {
    return this.#desired.wanted(e);
  }

  /**
   * Sets the entries of one group (a remote lease); queues what changed. A route outside the
   * cluster networks is never desired (said, and dropped): flannel does not own that space.
   */
  setGroup(group: string, entries: readonly Entry[]): void {
    const { scope, logger } = this.#o;
    const ours = entries.filter((e) => {
      if (e.kind !== "route" || scope.networks.some((n) => n.contains(e.dst))) return true;
      logger.warn(`Not programming ${describeEntry(e)}: outside the cluster networks`);
      return false;
    });
    this.#desired.setGroup(group, ours, this.#queue);
  }

  /** Removes a group; its entries are queued for deletion. */
  deleteGroup(group: string): void {
    this.#desired.deleteGroup(group, this.#queue);
  }

  /** Group names currently held. */
  groups(): string[] {
    return this.#desired.groups();
  }

  readonly #queue = (k: string, op: Op): void => {
    this.#pending.set(k, { op, attempts: 0, dueAt: 0 });
  };

  /** Applies the queued ops that are due, in one batch. Never throws. */
  flush(): Promise<PassResult> {
    return this.#serial(() => this.#flush());
  }

  /** Re-ensures devices, reads the kernel and repairs every difference. Never throws. */
  fullPass(): Promise<PassResult> {
    return this.#serial(() => this.#fullPass());
  }

  /** Wakes {@linkcode run} early (new queued work). */
  kick(): void {
    this.#wake?.abort();
  }

  /**
   * Asks {@linkcode run} for a full pass now (the kernel changed under us); it counts as the
   * periodic one. Held until `run` starts, so no pass runs before the first lease snapshot.
   */
  requestPass(): void {
    this.#passWanted = true;
    this.kick();
  }

  /** Full passes every `intervalMs` plus due retries, until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const { clock, intervalMs } = this.#o;
    let nextFull = clock.now() + intervalMs;
    while (!signal.aborted) {
      const due = this.#passWanted ? 0 : Math.min(nextFull, this.#nextRetry());
      this.#wake = new AbortController();
      await clock.sleep(
        Math.max(0, due - clock.now()),
        AbortSignal.any([signal, this.#wake.signal]),
      );
      this.#wake = null;
      if (signal.aborted) break;
      if (this.#passWanted || clock.now() >= nextFull) {
        this.#passWanted = false;
        await this.fullPass();
        nextFull = clock.now() + intervalMs;
      }
      await this.flush();
    }
  }

  #nextRetry(): number {
    let min = Infinity;
    for (const p of this.#pending.values()) min = Math.min(min, p.dueAt);
    return min;
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#chain.then(fn, fn);
    this.#chain = next.catch(() => {});
    return next;
  }

  async #flush(): Promise<PassResult> {
    const now = this.#o.clock.now();
    const due: [string, Pending][] = [];
    for (const [k, p] of this.#pending) if (p.dueAt <= now) due.push([k, p]);
    if (due.length === 0) return { replaced: 0, deleted: 0, failed: 0 };
    for (const [k] of due) this.#pending.delete(k);
    const ordered = orderOps(due.filter(([k]) => !this.#blocked.has(k)).map(([, p]) => p.op));
    const attempts = new Map(due.map(([k, p]) => [k, p.attempts]));
    return await this.#apply(ordered, attempts, "flush");
  }

  async #fullPass(): Promise<PassResult> {
    const { ensure, kernel, scope, logger } = this.#o;
    if (ensure) {
      try {
        await ensure();
      } catch (err) {
        logger.warn(`Full reconcile: could not ensure devices: ${errorText(err)}`);
      }
    }
    const differ = new Differ(this.#desired.byKey, scope);
    try {
      await kernel.scan(scope, (o) => differ.observe(o));
    } catch (err) {
      logger.warn(`Full reconcile: could not read kernel state: ${errorText(err)}`);
      return { replaced: 0, deleted: 0, failed: 0 };
    }
    const ops = differ.ops();
    this.#blocked.update(differ, (line) => logger.warn(line));
    // The diff already covers every queued op: it was computed from the current desired state.
    const attempts = new Map<string, number>();
    for (const [k, p] of this.#pending) attempts.set(k, p.attempts);
    this.#pending.clear();
    return await this.#apply(ops, attempts, "full pass");
  }

  async #apply(ops: Op[], attempts: Map<string, number>, what: string): Promise<PassResult> {
    const r: PassResult = { replaced: 0, deleted: 0, failed: 0 };
    if (ops.length === 0) return r;
    let results: (Error | null)[];
    try {
      results = await this.#o.kernel.apply(ops);
    } catch (err) {
      results = ops.map(() => err instanceof Error ? err : new Error(String(err)));
    }
    const failures: string[] = [];
    ops.forEach((op, i) => {
      const err = results[i] ?? null;
      if (err === null) {
        if (op.op === "replace") r.replaced++;
        else r.deleted++;
        return;
      }
      r.failed++;
      const k = entryKey(op.entry);
      const n = (attempts.get(k) ?? 0) + 1;
      if (failures.length < 3) failures.push(`${op.op} ${describeEntry(op.entry)}: ${err.message}`);
      // A newer op for the same key (queued meanwhile) wins over retrying this one.
      if (!this.#pending.has(k)) {
        this.#pending.set(k, { op, attempts: n, dueAt: this.#o.clock.now() + this.#backoff(n) });
      }
    });
    if (r.failed > 0) {
      this.#o.logger.warn(
        `Reconcile ${what}: ${r.failed} of ${ops.length} changes failed, retrying with backoff ` +
          `(${failures.join("; ")})`,
      );
    } else if (this.#o.logger.enabled(1)) {
      this.#o.logger.v(1, `Reconcile ${what}: ${r.replaced} replaced, ${r.deleted} deleted`);
    }
    return r;
  }

  #backoff(attempts: number): number {
    const initial = this.#o.retryInitialMs ?? 100;
    const max = this.#o.retryMaxMs ?? 10_000;
    return Math.min(max, initial * 2 ** Math.min(20, attempts - 1));
  }
}
