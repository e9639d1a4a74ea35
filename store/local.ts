/**
 * The embedded lease store for one machine (`--store=local`): a directory of lease files in
 * upstream's value format (layout in store/local_files.ts), the network config from a file,
 * expiry, and a watch (store/local_watch.ts). Same contract and conformance suite as etcd.
 * Several agents on one machine — e.g. one per network namespace, as in the demo — may share
 * the directory. Several machines need etcd or Kubernetes.
 *
 * @example
 * ```ts
 * const store = await createLocalStore({
 *   dir: "/var/lib/flannel/leases",              // --local-store-dir
 *   configFile: "/etc/flannel/net-conf.json",    // --local-network-config
 * });
 * ```
 *
 * Design notes: expirations live in a sidecar file per lease (`expiry/<key>`), so the lease
 * file holds exactly upstream's bytes; a lease file without sidecar (e.g. written by hand) is
 * a reservation, as an etcd key without lease is. An expired lease counts as absent at once
 * and is deleted by whichever reader notices it first. A directory that vanished (wiped) is
 * made again by the next call; the watch reports the loss (store/local_watch.ts).
 */
import { type Clock, systemClock } from "../mod/clock.ts";
import { subnetKey } from "../mod/lease/key.ts";
import type { Lease, LeaseAttrs, LeaseSubnets } from "../mod/lease/types.ts";
import { encodeLeaseAttrs } from "../mod/lease/value.ts";
import { type Logger, silentLogger } from "../mod/log.ts";
import { readRegularFileSync } from "../mod/regular_file.ts";
import {
  ConfigNotFoundError,
  decodeLeaseEntry,
  isSkipped,
  LeaseConflictError,
  type LeaseList,
  type LeaseStore,
  type SkippedEntry,
  type StoreWatchResult,
  type WatchOptions,
} from "../mod/subnet/store.ts";
import { RESET_GRACE_MS, StoreResets } from "../mod/subnet/reset.ts";
import { LocalDir, type RawEntry } from "./local_files.ts";
import { watchLocal } from "./local_watch.ts";

/** Default period of the watch's full rescan. */
export const LOCAL_RESCAN_MS = 10_000;
/** Default period of the watch's revision check (store/local_watch.ts). */
export const LOCAL_POLL_MS = 250;

export interface LocalStoreOptions {
  /** `--local-store-dir`: the shared lease directory (created if missing). */
  dir: string;
  /** `--local-network-config`: the net-conf.json file (default `<dir>/config`). */
  configFile?: string;
  clock?: Clock;
  log?: Logger;
  /** Watch rescan period (default {@linkcode LOCAL_RESCAN_MS}). */
  rescanMs?: number;
  /** Watch revision check period (default {@linkcode LOCAL_POLL_MS}); 0: rescans only. */
  pollMs?: number;
  /** From a reset snapshot to the plain one (default {@linkcode RESET_GRACE_MS}). */
  resetGraceMs?: number;
}

/** Opens (and creates) the store directory. */
export async function createLocalStore(opts: LocalStoreOptions): Promise<LocalStore> {
  const files = new LocalDir(opts.dir);
  await files.init();
  return new LocalStore(files, opts);
}

/** The local {@linkcode LeaseStore}; build it with {@linkcode createLocalStore}. */
export class LocalStore implements LeaseStore {
  readonly name: string;
  readonly #files: LocalDir;
  readonly #configFile: string;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #opts: LocalStoreOptions;
  readonly #resets: StoreResets;

  constructor(files: LocalDir, opts: LocalStoreOptions) {
    this.#files = files;
    this.#configFile = opts.configFile ?? `${files.dir}/config`;
    this.#clock = opts.clock ?? systemClock;
    this.#log = opts.log ?? silentLogger;
    this.#opts = opts;
    this.#resets = new StoreResets(this.#log);
    this.name = `local ${files.dir}`;
  }

  /** The config file's text; a FIFO or directory there is an error, never a hang. */
  getNetworkConfig(): Promise<string> {
    try {
      return Promise.resolve(readRegularFileSync(this.#configFile));
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) return Promise.reject(err);
      const msg = `flannel config not found: no file "${this.#configFile}"`;
      return Promise.reject(new ConfigNotFoundError(msg));
    }
  }

  #isExpired(e: RawEntry): boolean {
    return e.expiresAt !== null && e.expiresAt <= this.#clock.now();
  }

  #decode(name: string, e: RawEntry): Lease | SkippedEntry {
    if (e.skip !== undefined) return { key: name, reason: e.skip };
    if (Number.isNaN(e.expiresAt)) return { key: name, reason: "its expiry file is not a time" };
    return decodeLeaseEntry(name, e.value, e.expiresAt === null ? null : new Date(e.expiresAt));
  }

  async #list(names: string[] | null): Promise<LeaseList> {
    const { revision, entries } = await this.#files.scan(names);
    const out: LeaseList = { leases: [], revision, skipped: [] };
    const expired: string[] = [];
    for (const [name, e] of entries) {
      if (this.#isExpired(e)) {
        expired.push(name);
        continue;
      }
      const x = this.#decode(name, e);
      if (isSkipped(x)) out.skipped.push(x);
      else out.leases.push(x);
    }
    if (names === null) {
      // Expiry files without a value: a crash between the two writes.
      for (const n of this.#files.expiryNames()) if (!entries.has(n)) expired.push(n);
    }
    if (expired.length > 0) await this.#sweep(expired);
    return out;
  }

  listLeases(): Promise<LeaseList> {
    return this.#list(null);
  }

  async getLease(subnets: LeaseSubnets): Promise<Lease | null> {
    return (await this.#list([subnetKey(subnets)])).leases[0] ?? null;
  }

  /** Deletes the named entries that are (still) expired, and orphan expiry files. */
  #sweep(names: string[]): Promise<void> {
    return this.#files.locked(true, () => {
      let changed = false;
      for (const name of names) {
        const e = this.#files.read(name);
        if (e !== null && this.#isExpired(e)) changed = this.#files.remove(name) || changed;
        else if (e === null) this.#files.removeOrphanExpiry(name);
      }
      if (changed) this.#files.bump();
    });
  }

  #entry(attrs: LeaseAttrs, ttl: number | null): RawEntry {
    const expiresAt = ttl === null ? null : this.#clock.now() + ttl * 1000;
    return { value: encodeLeaseAttrs(attrs), expiresAt };
  }

  #lease(s: LeaseSubnets, attrs: LeaseAttrs, e: RawEntry): Lease {
    return { ...s, attrs, expiration: e.expiresAt === null ? null : new Date(e.expiresAt) };
  }

  async createLease(s: LeaseSubnets, attrs: LeaseAttrs, ttl: number | null): Promise<Lease> {
    const name = subnetKey(s);
    const e = this.#entry(attrs, ttl);
    const created = await this.#files.locked(true, () => {
      const cur = this.#files.read(name);
      if (cur !== null && this.#isExpired(cur)) this.#files.remove(name);
      const ok = this.#files.create(name, e);
      if (ok) this.#files.bump();
      return ok;
    });
    if (!created) throw new LeaseConflictError(name);
    return this.#lease(s, attrs, e);
  }

  async updateLease(s: LeaseSubnets, attrs: LeaseAttrs, ttl: number | null): Promise<Lease> {
    const e = this.#entry(attrs, ttl);
    await this.#files.locked(true, () => {
      this.#files.put(subnetKey(s), e);
      this.#files.bump();
    });
    return this.#lease(s, attrs, e);
  }

  async deleteLease(s: LeaseSubnets): Promise<void> {
    await this.#files.locked(true, () => {
      if (this.#files.remove(subnetKey(s))) this.#files.bump();
    });
  }

  /** Starts with a snapshot whatever `revision` says (there is no change log on disk). */
  watchLeases(
    _revision: number,
    signal: AbortSignal,
    options: WatchOptions = {},
  ): AsyncIterable<StoreWatchResult> {
    const ctx = {
      files: this.#files,
      clock: this.#clock,
      log: this.#log,
      rescanMs: this.#opts.rescanMs ?? LOCAL_RESCAN_MS,
      pollMs: this.#opts.pollMs ?? LOCAL_POLL_MS,
      decode: (name: string, e: RawEntry) => this.#decode(name, e),
      isExpired: (e: RawEntry) => this.#isExpired(e),
      sweep: (names: string[]) => this.#sweep(names),
      resets: this.#resets,
      resetGraceMs: this.#opts.resetGraceMs ?? RESET_GRACE_MS,
    };
    return watchLocal(ctx, signal, options.subnets ? subnetKey(options.subnets) : null);
  }

  reportDataLoss(reason: string): void {
    this.#resets.announce(reason);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
