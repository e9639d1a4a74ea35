/**
 * The renewal loop of store-backed leases (upstream `CompleteLease`, etcd only): renew at
 * expiration − margin, retry a minute after a failure, follow our own lease's watch (someone
 * renewed it → reschedule; deleted → {@linkcode LeaseRevokedError}), and keep our lease ours
 * (./own_lease.ts: the store lost it → re-create; rewritten by someone else → write it back).
 *
 * Design notes: a reservation (no TTL) is never renewed — renewing would give it a TTL, the
 * upstream bug that turns reservations into 24 h leases. The own-lease watch starts with a
 * snapshot, so a lease deleted between acquisition and this loop is noticed at once, and a
 * later plain snapshot (compaction, outage) without our lease means revoked too; a reset
 * snapshot (the store lost its data) without it means re-create. Time is the injected
 * {@linkcode Clock}, so tests run days of renewals in milliseconds.
 */
import type { Clock } from "../clock.ts";
import { errorText } from "../errors.ts";
import { goDuration } from "../go_duration.ts";
import type { Lease } from "../lease/types.ts";
import type { Logger } from "../log.ts";
import { LeaseRevokedError } from "./manager.ts";
import { OwnLease } from "./own_lease.ts";
import { type LeaseStore, type StoreWatchResult, SUBNET_TTL_SECONDS } from "./store.ts";

/** Upstream retries a failed renewal after one minute. */
export const RENEW_RETRY_MS = 60_000;

export interface RenewOptions {
  store: LeaseStore;
  clock: Clock;
  log: Logger;
  /** `--subnet-lease-renew-margin` in milliseconds. */
  marginMs: number;
}

type Step =
  | { kind: "timer" }
  | { kind: "watch"; r: IteratorResult<StoreWatchResult> }
  | { kind: "failed"; err: unknown };

/** Pause before reopening an own-lease watch that failed. */
const WATCH_RETRY_MS = 1000;

/**
 * Runs until `signal` aborts (resolves), our lease is deleted (rejects with
 * {@linkcode LeaseRevokedError}), or it cannot stay ours (`LeaseTakenError`,
 * `LeaseContestedError`).
 */
export async function renewLease(
  lease: Lease,
  opts: RenewOptions,
  signal: AbortSignal,
): Promise<void> {
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal.addEventListener("abort", onAbort, { once: true });
  const r = new Renewal(lease, opts, stop.signal);
  try {
    await r.run();
  } finally {
    signal.removeEventListener("abort", onAbort);
    stop.abort();
    await r.close();
  }
}

class Renewal {
  readonly #lease: Lease;
  readonly #opts: RenewOptions;
  readonly #signal: AbortSignal;
  /** The TTL our writes use: none for a reservation. */
  readonly #ttl: number | null;
  readonly #own: OwnLease;
  #due: number; // when to renew (or re-create) next; Infinity for a reservation
  #watch: AsyncIterator<StoreWatchResult>;
  #next: Promise<IteratorResult<StoreWatchResult>> | null = null;

  constructor(lease: Lease, opts: RenewOptions, signal: AbortSignal) {
    this.#lease = lease;
    this.#opts = opts;
    this.#signal = signal;
    this.#ttl = lease.expiration === null ? null : SUBNET_TTL_SECONDS;
    this.#due = this.#dueOf(lease.expiration);
    this.#own = new OwnLease({
      ...opts,
      lease,
      ttl: this.#ttl,
      renew: () => this.#renew(),
      follow: (l) => this.#follow(l),
      retryAt: (at) => (this.#due = at),
    });
    this.#watch = this.#openWatch();
  }

  async run(): Promise<void> {
    while (!this.#signal.aborted) {
      const step = await this.#wait();
      if (this.#signal.aborted) return;
      if (step.kind === "timer") await this.#onTimer();
      else if (step.kind === "watch") await this.#onWatch(step.r);
      else await this.#reopen(step.err);
    }
  }

  async close(): Promise<void> {
    await this.#watch.return?.();
  }

  #openWatch(): AsyncIterator<StoreWatchResult> {
    const it = this.#opts.store.watchLeases(0, this.#signal, { subnets: this.#lease });
    return it[Symbol.asyncIterator]();
  }

  #dueOf(expiration: Date | null | undefined): number {
    if (expiration === null) return Infinity;
    if (expiration === undefined) return this.#opts.clock.now(); // unknown: renew now
    return expiration.getTime() - this.#opts.marginMs;
  }

  async #wait(): Promise<Step> {
    this.#next ??= this.#watch.next();
    const timer = new AbortController();
    const waits: Promise<Step>[] = [
      this.#next.then(
        (r): Step => ({ kind: "watch", r }),
        (err): Step => ({ kind: "failed", err }),
      ),
    ];
    const at = Math.min(this.#due, this.#own.checkAt);
    if (at !== Infinity) {
      const ms = Math.max(0, at - this.#opts.clock.now());
      waits.push(this.#opts.clock.sleep(ms, timer.signal).then((): Step => ({ kind: "timer" })));
    }
    try {
      const step = await Promise.race(waits);
      if (step.kind !== "timer") this.#next = null;
      return step;
    } finally {
      timer.abort();
    }
  }

  async #onTimer(): Promise<void> {
    const now = this.#opts.clock.now();
    if (now >= this.#due) await (this.#own.missing ? this.#own.recreate() : this.#renew());
    if (now >= this.#own.checkAt) await this.#own.check();
  }

  /** A store watch does not fail by contract; if one does anyway, watch again shortly. */
  async #reopen(err: unknown): Promise<void> {
    this.#opts.log.warn(`Watch of our lease failed (${errorText(err)}), watching again`);
    await this.#opts.clock.sleep(WATCH_RETRY_MS, this.#signal);
    this.#watch = this.#openWatch();
  }

  async #renew(): Promise<void> {
    const { store, clock, log } = this.#opts;
    try {
      const l = await store.updateLease(this.#lease, this.#lease.attrs, this.#ttl);
      this.#due = this.#dueOf(l.expiration);
      log.info(`Lease renewed, new expiration: ${l.expiration?.toISOString() ?? "none"}`);
    } catch (err) {
      log.error(`Error renewing lease (trying again in 1 min): ${errorText(err)}`);
      this.#due = clock.now() + RENEW_RETRY_MS;
    }
  }

  async #onWatch(r: IteratorResult<StoreWatchResult>): Promise<void> {
    if (r.done) {
      this.#watch = this.#openWatch(); // a store watch only ends on abort; be safe anyway
      return;
    }
    const res = r.value;
    if (res.kind === "snapshot") {
      const l = res.leases[0];
      if (l !== undefined) return await this.#own.onPut(l, res.reset === true);
      if (res.reset) return await this.#own.recreate();
      this.#revoked();
    }
    for (const ev of res.events) {
      if (ev.type === "removed") this.#revoked();
      await this.#own.onPut(ev.lease, false);
    }
  }

  /** Someone (often we) wrote our lease: take its expiration and reschedule. */
  async #follow(lease: Lease): Promise<void> {
    let expiration = lease.expiration;
    if (expiration === undefined) {
      let now: Lease | null;
      try {
        now = await this.#opts.store.getLease(this.#lease);
      } catch (err) {
        this.#opts.log.warn(`Cannot read lease expiration: ${errorText(err)}`);
        return;
      }
      if (now === null) this.#revoked();
      expiration = now.expiration;
    }
    this.#due = this.#dueOf(expiration);
    if (this.#due === Infinity) return;
    const wait = goDuration(this.#due - this.#opts.clock.now());
    this.#opts.log.info(`Waiting for ${wait} to renew lease`);
  }

  /** The agent logs the error's text (upstream's line) once, whatever the manager. */
  #revoked(): never {
    throw new LeaseRevokedError();
  }
}
