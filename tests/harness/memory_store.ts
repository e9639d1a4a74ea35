/**
 * An in-memory {@linkcode LeaseStore} for unit tests: revisions, a change history (so watches
 * resume from a revision, and `compact()` forces a snapshot), TTL expiry on the injected clock,
 * raw access for garbage and reservations, data loss (`wipe`, `loseRaw`: revision going backwards,
 * reset snapshots, the grace period on the clock), and fault injection. It passes the same conformance
 * suite as the real stores (tests/harness/memory_store_test.ts).
 *
 * @example
 * ```ts
 * const store = new MemoryStore({ config: '{"Network":"10.3.0.0/16"}', clock: new FakeClock() });
 * store.failNext("create", new StoreUnavailableError("down"));
 * ```
 */
import { type Clock, systemClock } from "../../mod/clock.ts";
import { subnetKey } from "../../mod/lease/key.ts";
import type { Lease, LeaseAttrs, LeaseEvent, LeaseSubnets } from "../../mod/lease/types.ts";
import { encodeLeaseAttrs } from "../../mod/lease/value.ts";
import { type Logger, silentLogger } from "../../mod/log.ts";
import { RESET_GRACE_MS, StoreResets } from "../../mod/subnet/reset.ts";
import {
  ConfigNotFoundError,
  decodeLeaseEntry,
  isSkipped,
  LeaseConflictError,
  type LeaseList,
  type LeaseStore,
  parseEntryName,
  removedLease,
  type SkippedEntry,
  type StoreWatchResult,
  type WatchOptions,
} from "../../mod/subnet/store.ts";

interface Entry {
  value: string;
  expiresAt: number | null;
}

interface Change {
  rev: number;
  name: string;
  entry: Entry | null;
}

type Op = "create" | "update" | "delete" | "list" | "get";

export interface MemoryStoreOptions {
  config?: string;
  clock?: Clock;
  /** Gets the data-loss warning. */
  log?: Logger;
  resetGraceMs?: number;
}

export class MemoryStore implements LeaseStore {
  readonly name = "memory";
  config: string | null;
  /** Runs before each create commits (tests race another writer in here). */
  beforeCreate: ((s: LeaseSubnets) => Promise<void> | void) | null = null;
  readonly calls: Op[] = [];
  #clock: Clock;
  #entries = new Map<string, Entry>();
  #history: Change[] = [];
  #rev = 1;
  #compacted = 0;
  #faults = new Map<Op, Error[]>();
  #wake = new Set<() => void>();
  readonly #resets: StoreResets;
  readonly #graceMs: number;

  constructor(opts: MemoryStoreOptions = {}) {
    this.config = opts.config ?? null;
    this.#clock = opts.clock ?? systemClock;
    this.#resets = new StoreResets(opts.log ?? silentLogger);
    this.#resets.listen(() => this.#wakeAll());
    this.#graceMs = opts.resetGraceMs ?? RESET_GRACE_MS;
  }

  /** Loses every entry and the history; the revision starts again at 1 (etcd wiped). */
  wipe(): void {
    this.#entries.clear();
    this.#history = [];
    this.#rev = 1;
    this.#compacted = 0;
    this.#wakeAll();
  }

  /** Loses one entry without a trace in the history: no watch sees it go. */
  loseRaw(name: string): void {
    this.#entries.delete(name);
  }

  reportDataLoss(reason: string): void {
    this.#resets.announce(reason);
  }

  /** The next `op` call throws `err` (queued, one per call). */
  failNext(op: Op, err: Error): void {
    this.#faults.set(op, [...(this.#faults.get(op) ?? []), err]);
  }

  /** Writes any value under any name, as `etcdctl put` would (`ttlSeconds` null: no TTL). */
  putRaw(name: string, value: string, ttlSeconds: number | null = null): void {
    this.#set(name, { value, expiresAt: this.#expiry(ttlSeconds) });
  }

  deleteRaw(name: string): void {
    this.#sweep();
    if (this.#entries.has(name)) this.#set(name, null);
  }

  readRaw(name: string): string | null {
    this.#sweep();
    return this.#entries.get(name)?.value ?? null;
  }

  /** Remaining TTL in seconds; `null` without TTL; `undefined` when absent. */
  ttlOf(name: string): number | null | undefined {
    this.#sweep();
    const e = this.#entries.get(name);
    if (e === undefined) return undefined;
    return e.expiresAt === null ? null : (e.expiresAt - this.#clock.now()) / 1000;
  }

  /** Drops the history up to now: watches from an older revision get a snapshot. */
  compact(): number {
    this.#compacted = this.#rev;
    this.#history = [];
    return this.#rev;
  }

  get revision(): number {
    return this.#rev;
  }

  getNetworkConfig(): Promise<string> {
    if (this.config === null) {
      return Promise.reject(new ConfigNotFoundError("flannel config not found in memory store"));
    }
    return Promise.resolve(this.config);
  }

  listLeases(): Promise<LeaseList> {
    this.#fault("list");
    return Promise.resolve(this.#list(undefined));
  }

  getLease(subnets: LeaseSubnets): Promise<Lease | null> {
    this.#fault("get");
    const l = this.#list(subnets).leases[0];
    return Promise.resolve(l ?? null);
  }

  async createLease(s: LeaseSubnets, attrs: LeaseAttrs, ttl: number | null): Promise<Lease> {
    this.#fault("create");
    await this.beforeCreate?.(s);
    this.#sweep();
    const name = subnetKey(s);
    if (this.#entries.has(name)) throw new LeaseConflictError(name);
    return this.#write(s, attrs, ttl);
  }

  updateLease(s: LeaseSubnets, attrs: LeaseAttrs, ttl: number | null): Promise<Lease> {
    this.#fault("update");
    return Promise.resolve(this.#write(s, attrs, ttl));
  }

  deleteLease(s: LeaseSubnets): Promise<void> {
    this.#fault("delete");
    this.deleteRaw(subnetKey(s));
    return Promise.resolve();
  }

  async *watchLeases(
    revision: number,
    signal: AbortSignal,
    options: WatchOptions = {},
  ): AsyncIterable<StoreWatchResult> {
    let cursor = revision;
    let epoch = this.#resets.epoch;
    let graceUntil: number | null = null;
    while (!signal.aborted) {
      this.#sweep();
      if (cursor > this.#rev) {
        this.#resets.announce(
          `Memory store revision went backwards (${cursor} → ${this.#rev})`,
          epoch,
        );
      }
      const reset = this.#resets.epoch !== epoch;
      const graceOver = graceUntil !== null && this.#clock.now() >= graceUntil;
      if (cursor <= 0 || cursor < this.#compacted || reset || graceOver) {
        epoch = this.#resets.epoch;
        const l = this.#list(options.subnets);
        cursor = l.revision;
        if (graceOver) graceUntil = null;
        if (reset && !options.subnets) graceUntil = this.#clock.now() + this.#graceMs;
        const held = reset || graceUntil !== null;
        const snap = { kind: "snapshot" as const, leases: l.leases, revision: l.revision };
        yield { ...snap, skipped: l.skipped, ...(held ? { reset: true } : {}) };
        continue;
      }
      const batch = this.#eventsAfter(cursor, options.subnets);
      cursor = this.#rev;
      if (batch.events.length > 0 || batch.skipped.length > 0) {
        yield { kind: "events", events: batch.events, revision: cursor, skipped: batch.skipped };
      } else await this.#waitChange(signal, graceUntil);
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  #fault(op: Op): void {
    this.calls.push(op);
    const err = this.#faults.get(op)?.shift();
    if (err !== undefined) throw err;
  }

  #expiry(ttlSeconds: number | null): number | null {
    return ttlSeconds === null ? null : this.#clock.now() + ttlSeconds * 1000;
  }

  #write(s: LeaseSubnets, attrs: LeaseAttrs, ttl: number | null): Lease {
    const entry = { value: encodeLeaseAttrs(attrs), expiresAt: this.#expiry(ttl) };
    this.#set(subnetKey(s), entry);
    return { ...s, attrs, expiration: entry.expiresAt === null ? null : new Date(entry.expiresAt) };
  }

  #set(name: string, entry: Entry | null): void {
    this.#rev++;
    if (entry === null) this.#entries.delete(name);
    else this.#entries.set(name, entry);
    this.#history.push({ rev: this.#rev, name, entry });
    this.#wakeAll();
  }

  #wakeAll(): void {
    for (const wake of this.#wake) wake();
  }

  #sweep(): void {
    const now = this.#clock.now();
    for (const [name, e] of this.#entries) {
      if (e.expiresAt !== null && e.expiresAt <= now) this.#set(name, null);
    }
  }

  #decode(name: string, e: Entry): Lease | SkippedEntry {
    return decodeLeaseEntry(name, e.value, e.expiresAt === null ? null : new Date(e.expiresAt));
  }

  #list(only: LeaseSubnets | undefined): LeaseList {
    this.#sweep();
    const out: LeaseList = { leases: [], revision: this.#rev, skipped: [] };
    const want = only === undefined ? null : subnetKey(only);
    for (const [name, e] of this.#entries) {
      if (want !== null && name !== want) continue;
      const x = this.#decode(name, e);
      if (isSkipped(x)) out.skipped.push(x);
      else out.leases.push(x);
    }
    return out;
  }

  #eventsAfter(rev: number, only: LeaseSubnets | undefined) {
    const want = only === undefined ? null : subnetKey(only);
    const events: LeaseEvent[] = [];
    const skipped: SkippedEntry[] = [];
    for (const c of this.#history) {
      if (c.rev <= rev || (want !== null && c.name !== want)) continue;
      if (c.entry === null) {
        const s = parseEntryName(c.name);
        if (s !== null) events.push({ type: "removed", lease: removedLease(s) });
        continue;
      }
      const x = this.#decode(c.name, c.entry);
      if (isSkipped(x)) skipped.push(x);
      else events.push({ type: "added", lease: x });
    }
    return { events, skipped };
  }

  /** Waits for a change, the next expiry or `until` on the clock, or for `signal`. */
  async #waitChange(signal: AbortSignal, until: number | null): Promise<void> {
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    signal.addEventListener("abort", onAbort, { once: true });
    const next = Math.min(
      until ?? Infinity,
      ...[...this.#entries.values()].map((e) => e.expiresAt ?? Infinity),
    );
    const changed = new Promise<void>((resolve) => {
      const wake = () => resolve();
      this.#wake.add(wake);
      stop.signal.addEventListener("abort", () => {
        this.#wake.delete(wake);
        resolve();
      }, { once: true });
    });
    const waits = [changed];
    if (next !== Infinity) waits.push(this.#clock.sleep(next - this.#clock.now(), stop.signal));
    await Promise.race(waits);
    stop.abort();
    signal.removeEventListener("abort", onAbort);
  }
}
