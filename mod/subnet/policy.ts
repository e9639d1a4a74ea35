/**
 * The subnet policy, written once for every {@linkcode LeaseStore} (etcd, local): upstream's
 * `LocalManager` (`pkg/subnet/etcd/local_manager.go`, spec §3.1.5).
 *
 * Design notes — fixes to upstream, each on purpose:
 * - A create conflict (another node took the subnet between our list and our create) is
 *   retried with a fresh list, up to {@linkcode RACE_RETRIES} attempts; upstream exits.
 * - Reusing a reservation (a key without TTL) keeps it without TTL; upstream re-attaches a
 *   24 h lease, so a reservation silently becomes an ordinary lease.
 * - Reuse by public IP happens only when we have a public IPv4 (upstream would match any lease
 *   written with `0.0.0.0`), and a previous subnet counts as taken when it overlaps any lease
 *   in either family (upstream checks IPv4 equality only).
 * - An unreachable store during acquisition is retried every second until `signal` aborts,
 *   instead of failing the agent's start.
 * - One list serves two readers: the agent opens the lease watch just before it acquires its
 *   lease, so the watch's first list (its snapshot) is lent to the first acquisition attempt
 *   instead of listing every lease twice (on a 5,000-node cluster that is the start-up's
 *   largest read). The create is still a compare-and-swap, so a lent list is as safe as a
 *   fresh one; it is lent once, and only while it is younger than {@linkcode LEND_MAX_MS}.
 * - A lease whose subnet is not inside the Network, or covers all of it (`10.244.0.0-16`,
 *   `0.0.0.0-0`), does not count as taken (allocate.ts `countedSubnets`, logged once);
 *   upstream counts it and exits with "out of subnets". A lease for our public IP that does
 *   not fit the config is still deleted first, as upstream.
 * Log lines are upstream's, verbatim, because operators grep them.
 */
import { type Clock, systemClock } from "../clock.ts";
import { loadNetworkConfig, type NetworkConfig } from "../config/net_conf.ts";
import { ConfigError, errorText } from "../errors.ts";
import type { Lease, LeaseAttrs, LeaseSubnets, LeaseWatchResult } from "../lease/types.ts";
import { type Logger, silentLogger } from "../log.ts";
import {
  allocateSubnets,
  countedSubnets,
  familyRange,
  isCompatible,
  overlapsAny,
  type Random,
} from "./allocate.ts";
import type { StoredHints, SubnetManager } from "./manager.ts";
import { renewLease } from "./renew.ts";
import {
  LeaseConflictError,
  type LeaseList,
  type LeaseStore,
  type SkippedEntry,
  StoreUnavailableError,
  SUBNET_TTL_SECONDS,
} from "./store.ts";

/** Attempts of one acquisition when creates keep conflicting (upstream `raceRetries`). */
export const RACE_RETRIES = 10;
/** Pause between attempts while the store is unreachable. */
export const UNAVAILABLE_RETRY_MS = 1000;
/** Default `--subnet-lease-renew-margin`: 60 minutes. */
export const DEFAULT_RENEW_MARGIN_MINUTES = 60;
/** The watch's first list is lent to an acquisition starting at most this long after it. */
export const LEND_MAX_MS = 5000;

export interface PolicyManagerOptions {
  store: LeaseStore;
  /** The subnets of subnet.env (`FLANNEL_SUBNET`, `FLANNEL_IPV6_SUBNET`), if any. */
  previous?: LeaseSubnets;
  /** `--subnet-lease-renew-margin`, minutes. */
  renewMarginMinutes?: number;
  random?: Random;
  clock?: Clock;
  log?: Logger;
}

/** The line a skipped entry is logged with. */
const skipLine = (s: SkippedEntry) => `Ignoring bad subnet node "${s.key}": ${s.reason}`;

/** Upstream's `ip: %v ipv6: %v`: a missing subnet prints as Go's zero IP4Net/IP6Net. */
const fmt = (s: LeaseSubnets) => `ip: ${s.subnet ?? "0.0.0.0/0"} ipv6: ${s.ipv6Subnet ?? "::/0"}`;

/**
 * {@linkcode SubnetManager} over a {@linkcode LeaseStore}.
 *
 * @example
 * ```ts
 * const sm = new PolicySubnetManager({ store, previous: { subnet, ipv6Subnet }, log });
 * const config = await sm.getNetworkConfig();
 * const lease = await sm.acquireLease(config, attrs, signal);
 * ```
 */
export class PolicySubnetManager implements SubnetManager {
  readonly name: string;
  readonly #store: LeaseStore;
  readonly #previous: LeaseSubnets | null;
  readonly #marginMs: number;
  readonly #random: Random;
  readonly #clock: Clock;
  readonly #log: Logger;
  /** The first watch's list, until the first acquisition attempt takes it (design notes). */
  #lent: { list: Promise<LeaseList>; at: number } | null = null;
  /** False once an acquisition started: later watches list for themselves. */
  #lending = true;
  /** Lines already said about leases that do not block allocation (each said once). */
  readonly #ignored = new Set<string>();

  constructor(opts: PolicyManagerOptions) {
    this.#store = opts.store;
    this.#previous = opts.previous?.subnet ? opts.previous : null;
    this.#marginMs = (opts.renewMarginMinutes ?? DEFAULT_RENEW_MARGIN_MINUTES) * 60_000;
    this.#random = opts.random ?? Math.random;
    this.#clock = opts.clock ?? systemClock;
    this.#log = opts.log ?? silentLogger;
    const prev = this.#previous?.subnet ?? "None";
    this.name = opts.store.name.startsWith("etcd")
      ? `Etcd Local Manager with Previous Subnet: ${prev}`
      : `Local Manager (${opts.store.name}) with Previous Subnet: ${prev}`;
  }

  /** Reads and validates `<prefix>/config` (ConfigNotFoundError, ParseError, ConfigError). */
  async getNetworkConfig(): Promise<NetworkConfig> {
    return loadNetworkConfig(await this.#store.getNetworkConfig());
  }

  /** Subnet keys need an IPv4 subnet: IPv6-only is a Kubernetes subnet manager feature. */
  checkConfig(config: NetworkConfig): void {
    if (!config.enableIPv4) {
      throw new ConfigError("IPv6-only networks need the Kubernetes subnet manager");
    }
  }

  /** Stores keep no hints (MACs, public-IP overrides are a Kubernetes feature). */
  getStoredHints(): Promise<StoredHints> {
    return Promise.resolve({ macV4: null, macV6: null, publicIP: null, publicIPv6: null });
  }

  async acquireLease(
    config: NetworkConfig,
    attrs: LeaseAttrs,
    signal: AbortSignal,
  ): Promise<Lease> {
    this.checkConfig(config);
    for (let attempt = 1;; attempt++) {
      signal.throwIfAborted();
      try {
        return await this.#tryAcquire(config, attrs);
      } catch (err) {
        if (err instanceof StoreUnavailableError) {
          this.#log.error(`failed to acquire lease: ${errorText(err)}`);
          attempt--;
          await this.#clock.sleep(UNAVAILABLE_RETRY_MS, signal);
        } else if (!(err instanceof LeaseConflictError) || attempt >= RACE_RETRIES) throw err;
        else this.#log.info(`${errorText(err)}, retrying (attempt ${attempt + 1})`);
      }
    }
  }

  /** The lent list when there is a fresh one (once), else a new list. */
  #list(): Promise<LeaseList> {
    const lent = this.#lent;
    this.#lent = null;
    this.#lending = false;
    if (lent !== null && this.#clock.now() - lent.at <= LEND_MAX_MS) return lent.list;
    return this.#store.listLeases();
  }

  async #tryAcquire(config: NetworkConfig, attrs: LeaseAttrs): Promise<Lease> {
    const { leases } = await this.#list();
    const ip = attrs.publicIP;
    const mine = ip === null ? undefined : leases.find((l) => ip.equals(l.attrs.publicIP));
    let others = leases;
    if (mine !== undefined) {
      if (isCompatible(config, mine)) {
        // A reservation (no TTL) stays one.
        const ttl = mine.expiration === null ? null : SUBNET_TTL_SECONDS;
        const lease = await this.#store.updateLease(mine, attrs, ttl);
        this.#log.info(`Found lease (${fmt(mine)}) for current IP (${ip}), reusing`);
        return lease;
      }
      this.#log.info(
        `Found lease (${
          fmt(mine)
        }) for current IP (${ip}) but not compatible with current config, deleting`,
      );
      await this.#store.deleteLease(mine);
      others = leases.filter((l) => l !== mine);
    }
    const taken = this.#counted(config, others);
    const subnets = this.#previousIfFree(config, taken) ?? this.#allocate(config, taken);
    const lease = await this.#store.createLease(subnets, attrs, SUBNET_TTL_SECONDS);
    this.#log.info(`Allocated lease (${fmt(subnets)}) to current node (${ip})`);
    return lease;
  }

  /** The subnets that block allocation; the others are logged once (allocate.ts). */
  #counted(config: NetworkConfig, leases: readonly Lease[]): LeaseSubnets[] {
    const { taken, ignored } = countedSubnets(config, leases);
    for (const { lease, reason } of ignored) {
      const line = `Lease "${lease}" does not block allocation: ${reason}`;
      if (!this.#ignored.has(line)) this.#log.warn(line);
      this.#ignored.add(line);
    }
    return taken;
  }

  #previousIfFree(config: NetworkConfig, leases: readonly LeaseSubnets[]): LeaseSubnets | null {
    const prev = this.#previous;
    if (prev === null) return null;
    if (overlapsAny(prev, leases)) {
      this.#log.info(
        `Found previously leased subnet (${prev.subnet}) that is already leased, ignoring`,
      );
      return null;
    }
    if (!isCompatible(config, prev)) {
      this.#log.error(
        `Found previously leased subnet (${prev.subnet}) that is not compatible with the Etcd network config, ignoring`,
      );
      return null;
    }
    this.#log.info(`Found previously leased subnet (${prev.subnet}), reusing`);
    return prev;
  }

  #allocate(config: NetworkConfig, leases: readonly LeaseSubnets[]): LeaseSubnets {
    const v4 = familyRange(config, 4)!;
    this.#log.info(`Picking subnet in range ${v4.min} ... ${v4.max}`);
    return allocateSubnets(config, leases, this.#random);
  }

  /**
   * The store's watch: a snapshot first, then events; garbage entries logged and skipped. The
   * first list is ours (lent to the acquisition, see the design notes); when it fails, the
   * store's watch lists (and retries) by itself.
   */
  async *watchLeases(signal: AbortSignal): AsyncIterable<LeaseWatchResult> {
    let first: LeaseList | null = null;
    if (this.#lending) {
      const list = (async () => await this.#store.listLeases())(); // a sync throw rejects
      this.#lent = { list, at: this.#clock.now() };
      first = await list.catch(() => null);
    }
    const source = this.#store.watchLeases(first?.revision ?? 0, signal);
    // What the list reported, a watch that starts with a snapshot (local) reports again:
    // said once, by the list.
    let logged = new Set<string>();
    if (first !== null) {
      this.#logSkipped(first.skipped);
      logged = new Set(first.skipped.map(skipLine));
      yield { kind: "snapshot", leases: first.leases };
      first = null; // the watcher keeps what it needs
    }
    for await (const r of source) {
      const skipped = r.skipped ?? [];
      this.#logSkipped(
        r.kind === "snapshot" ? skipped.filter((s) => !logged.has(skipLine(s))) : skipped,
      );
      logged.clear();
      if (r.kind === "snapshot") {
        yield r.reset ? { kind: "snapshot", leases: r.leases, reset: true } : {
          kind: "snapshot",
          leases: r.leases,
        };
      } else if (r.events.length > 0) yield { kind: "events", events: r.events };
    }
  }

  #logSkipped(skipped: readonly SkippedEntry[]): void {
    for (const s of skipped) this.#log.warn(skipLine(s));
  }

  completeLease(lease: Lease, signal: AbortSignal): Promise<void> {
    const opts = {
      store: this.#store,
      clock: this.#clock,
      log: this.#log,
      marginMs: this.#marginMs,
    };
    return renewLease(lease, opts, signal);
  }

  close(): Promise<void> {
    return this.#store.close();
  }
}
