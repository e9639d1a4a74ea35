/**
 * The etcd v3 lease store (upstream `pkg/subnet/etcd/registry.go`, spec §3.1), on npm:etcd3.
 * Wire-compatible with upstream: `<prefix>/config`, `<prefix>/subnets/<subnet key>` holding
 * upstream's lease JSON, one 24 h etcd lease per key, create as a transaction
 * `version(key) == 0`, renew by re-putting with a fresh etcd lease. Only main.ts loads this
 * module (`await import`), so the CNI path never loads npm:etcd3.
 *
 * Design notes:
 * - Expirations: a TTL query per key would cost one RPC each (5,000 for a list), so list and
 *   watch report `expiration` only when it is known for free — `null` for a key without etcd
 *   lease (a reservation), the grant time + TTL for etcd leases this client granted — and
 *   leave it absent otherwise; `getLease` asks etcd (TimeToLive).
 * - A create whose transaction npm:etcd3 retried after a lost reply may find its own key: the
 *   key then carries our etcd lease, and that counts as success, not as a conflict (revoking
 *   "our" lease there would delete the key we just created).
 * - Entries under `subnets/` that do not parse are skipped and reported with their full key.
 * - Every call and watch (re)connect feeds one outage log (store/outage.ts), and the client's
 *   watches share one {@linkcode StoreResets}: a loss of etcd's data is logged once and every
 *   watch resyncs (store/etcd_watch.ts).
 */
import type { Etcd3, IKeyValue } from "etcd3";
import { FlannelError } from "../mod/errors.ts";
import { subnetKey } from "../mod/lease/key.ts";
import type { Lease, LeaseAttrs, LeaseSubnets } from "../mod/lease/types.ts";
import { encodeLeaseAttrs } from "../mod/lease/value.ts";
import { type Logger, silentLogger } from "../mod/log.ts";
import {
  ConfigNotFoundError,
  decodeLeaseEntry,
  isSkipped,
  LeaseConflictError,
  type LeaseList,
  type LeaseStore,
  type SkippedEntry,
  StoreUnavailableError,
  type StoreWatchResult,
  type WatchOptions,
} from "../mod/subnet/store.ts";
import { RESET_GRACE_MS, StoreResets } from "../mod/subnet/reset.ts";
import { OutageLog } from "./outage.ts";
import {
  connectEtcd,
  describeEtcdError,
  type EtcdConnectOptions,
  showEndpoint,
} from "./etcd_client.ts";
import { type EtcdWatchContext, watchEtcd } from "./etcd_watch.ts";

/** Upstream's `--etcd-prefix` default. */
export const DEFAULT_ETCD_PREFIX = "/coreos.com/network";

export interface EtcdStoreOptions extends EtcdConnectOptions {
  /** `--etcd-prefix` (default `/coreos.com/network`). */
  prefix?: string;
  log?: Logger;
  /** Wall clock in ms (expirations, outage lengths). */
  now?: () => number;
  /** From a reset snapshot to the plain one (default {@linkcode RESET_GRACE_MS}). */
  resetGraceMs?: number;
}

/** `path.Join` for etcd keys: `/coreos.com/network/` + `subnets` → `/coreos.com/network/subnets`. */
export function joinKey(...parts: string[]): string {
  const joined = parts.join("/").replace(/\/+/g, "/");
  return joined.length > 1 ? joined.replace(/\/$/, "") : joined;
}

/**
 * Builds the store (store/etcd_client.ts reads the TLS files). Does not contact etcd yet: the
 * first request does, and fails with {@linkcode StoreUnavailableError} when it cannot.
 */
export async function createEtcdStore(opts: EtcdStoreOptions): Promise<EtcdStore> {
  const log = opts.log ?? silentLogger;
  return new EtcdStore(await connectEtcd(opts, log), opts, log);
}

/** The etcd {@linkcode LeaseStore}; build it with {@linkcode createEtcdStore}. */
export class EtcdStore implements LeaseStore {
  readonly name: string;
  readonly #client: Etcd3;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #configKey: string;
  readonly #dir: string;
  /** Expirations of the etcd leases this client granted (ID → ms). */
  readonly #grants = new Map<string, number>();
  readonly #resets: StoreResets;
  readonly #outage: OutageLog;
  readonly #cluster = { id: null as string | null };
  readonly #resetGraceMs: number;
  #closed = false;

  constructor(client: Etcd3, opts: EtcdStoreOptions, log: Logger) {
    const prefix = opts.prefix ?? DEFAULT_ETCD_PREFIX;
    const endpoints = opts.endpoints.map(showEndpoint).join(",");
    this.name = `etcd ${endpoints} ${prefix}`;
    this.#client = client;
    this.#log = log;
    this.#now = opts.now ?? Date.now;
    this.#configKey = joinKey(prefix, "config");
    this.#dir = joinKey(prefix, "subnets") + "/";
    this.#resets = new StoreResets(log);
    this.#outage = new OutageLog("etcd", endpoints, log, this.#now);
    this.#resetGraceMs = opts.resetGraceMs ?? RESET_GRACE_MS;
  }

  async #call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      const out = await fn();
      this.#outage.ok();
      return out;
    } catch (err) {
      if (err instanceof FlannelError) {
        this.#outage.ok();
        throw err;
      }
      const text = describeEtcdError(err);
      this.#outage.failed(text);
      throw new StoreUnavailableError(`etcd ${what} failed (${this.name}): ${text}`, {
        cause: err,
      });
    }
  }

  getNetworkConfig(): Promise<string> {
    return this.#call("get config", async () => {
      const text = await this.#client.get(this.#configKey).string();
      if (text === null) {
        throw new ConfigNotFoundError(
          "flannel config not found in etcd store. Did you create your config using etcdv3 API?",
        );
      }
      return text;
    });
  }

  #expirationOf(kv: IKeyValue): Date | null | undefined {
    if (kv.lease === "0") return null;
    const at = this.#grants.get(kv.lease);
    return at === undefined ? undefined : new Date(at);
  }

  #decode(kv: IKeyValue): Lease | SkippedEntry {
    const key = kv.key.toString();
    const x = decodeLeaseEntry(
      key.slice(this.#dir.length),
      kv.value.toString(),
      this.#expirationOf(kv),
    );
    return isSkipped(x) ? { key, reason: x.reason } : x;
  }

  #listRange(only: LeaseSubnets | undefined): Promise<LeaseList> {
    return this.#call("list", async () => {
      const res =
        await (only ? this.#client.get(this.#keyOf(only)) : this.#client.getAll().prefix(this.#dir))
          .exec();
      const out: LeaseList = { leases: [], revision: Number(res.header.revision), skipped: [] };
      for (const kv of res.kvs) {
        const x = this.#decode(kv);
        if (isSkipped(x)) out.skipped.push(x);
        else out.leases.push(x);
      }
      return out;
    });
  }

  listLeases(): Promise<LeaseList> {
    return this.#listRange(undefined);
  }

  async getLease(subnets: LeaseSubnets): Promise<Lease | null> {
    const kv = await this.#call(
      "get",
      async () => (await this.#client.get(this.#keyOf(subnets)).exec()).kvs[0],
    );
    if (kv === undefined) return null;
    const x = this.#decode(kv);
    if (isSkipped(x) || kv.lease === "0") return isSkipped(x) ? null : x;
    const ttl = await this.#call(
      "lease TTL",
      () => this.#client.leaseClient.leaseTimeToLive({ ID: kv.lease }),
    );
    x.expiration = new Date(this.#now() + Math.max(0, Number(ttl.TTL)) * 1000);
    return x;
  }

  #keyOf(s: LeaseSubnets): string {
    return this.#dir + subnetKey(s);
  }

  /** Grants an etcd lease; `["0", null]` without TTL. */
  async #grant(ttl: number | null): Promise<[string, Date | null]> {
    if (ttl === null) return ["0", null];
    const g = await this.#call(
      "lease grant",
      () => this.#client.leaseClient.leaseGrant({ TTL: ttl }),
    );
    const at = this.#now() + Number(g.TTL) * 1000;
    this.#grants.set(g.ID, at);
    // We grant one lease per renewal; keep the memo small.
    if (this.#grants.size > 64) this.#grants.delete(this.#grants.keys().next().value!);
    return [g.ID, new Date(at)];
  }

  async createLease(s: LeaseSubnets, attrs: LeaseAttrs, ttl: number | null): Promise<Lease> {
    const key = this.#keyOf(s);
    const value = encodeLeaseAttrs(attrs);
    const [id, expiration] = await this.#grant(ttl);
    try {
      const put = this.#client.put(key).value(value);
      if (id !== "0") put.lease(id);
      const res = await this.#call(
        "create",
        () =>
          this.#client.if(key, "Version", "==", 0).then(put).else(this.#client.get(key)).commit(),
      );
      const kv = res.responses[0]?.response_range?.kvs[0];
      const ours = id !== "0" ? kv?.lease === id : kv?.value.toString() === value;
      if (!res.succeeded && !ours) throw new LeaseConflictError(subnetKey(s));
    } catch (err) {
      if (id !== "0") await this.#client.leaseClient.leaseRevoke({ ID: id }).catch(() => {});
      throw err;
    }
    return { ...s, attrs, expiration };
  }

  async updateLease(s: LeaseSubnets, attrs: LeaseAttrs, ttl: number | null): Promise<Lease> {
    const [id, expiration] = await this.#grant(ttl);
    const put = this.#client.put(this.#keyOf(s)).value(encodeLeaseAttrs(attrs));
    if (id !== "0") put.lease(id);
    await this.#call("put", () => put.exec());
    return { ...s, attrs, expiration };
  }

  async deleteLease(s: LeaseSubnets): Promise<void> {
    await this.#call("delete", () => this.#client.delete().key(this.#keyOf(s)).exec());
  }

  watchLeases(
    revision: number,
    signal: AbortSignal,
    options: WatchOptions = {},
  ): AsyncIterable<StoreWatchResult> {
    const only = options.subnets;
    const ctx: EtcdWatchContext = {
      client: this.#client,
      log: this.#log,
      dir: this.#dir,
      key: only ? this.#keyOf(only) : this.#dir,
      prefix: only === undefined,
      decode: (kv) => this.#decode(kv),
      list: () => this.#listRange(only),
      backoffMs: (n) => Math.min(5000, 100 * 2 ** (n - 1)),
      resets: this.#resets,
      outage: this.#outage,
      cluster: this.#cluster,
      resetGraceMs: this.#resetGraceMs,
    };
    return watchEtcd(ctx, revision, signal);
  }

  reportDataLoss(reason: string): void {
    this.#resets.announce(reason);
  }

  close(): Promise<void> {
    this.#outage.mute();
    if (!this.#closed) this.#client.close();
    this.#closed = true;
    return Promise.resolve();
  }
}
