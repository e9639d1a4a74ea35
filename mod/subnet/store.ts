/**
 * The storage contract every lease store implements (store/etcd.ts, store/local.ts).
 * Stores persist; they hold no policy: allocation, reuse and renewal timing live once in
 * mod/subnet/policy.ts. One conformance suite (tests/store/conformance.ts) runs against
 * every store.
 */
import { errorText, FlannelError } from "../errors.ts";
import { subnetKey, tryParseSubnetKey } from "../lease/key.ts";
import type { Lease, LeaseAttrs, LeaseSubnets, LeaseWatchResult } from "../lease/types.ts";
import { decodeLeaseAttrs } from "../lease/value.ts";

/** Lease TTL upstream uses for every etcd lease: 24 h. */
export const SUBNET_TTL_SECONDS = 24 * 60 * 60;

/** The network config key is missing from the store. */
export class ConfigNotFoundError extends FlannelError {
  override name = "ConfigNotFoundError";
  constructor(message: string) {
    super("ENOCONFIG", message);
  }
}

/** A create found the subnet already taken (compare-and-swap lost). */
export class LeaseConflictError extends FlannelError {
  override name = "LeaseConflictError";
  constructor(key: string) {
    super("ECONFLICT", `Subnet "${key}" is already leased`);
  }
}

/** The store cannot be reached; callers retry. */
export class StoreUnavailableError extends FlannelError {
  override name = "StoreUnavailableError";
  constructor(message: string, options?: ErrorOptions) {
    super("EUNAVAILABLE", message, options);
  }
}

/** An entry under the subnets prefix that is not a valid lease: skipped, reported, never fatal. */
export interface SkippedEntry {
  key: string;
  reason: string;
}

export interface LeaseList {
  leases: Lease[];
  /** Store revision the list was read at; a watch from `revision` misses nothing. */
  revision: number;
  skipped: SkippedEntry[];
}

/** What a watch hands over: events or a snapshot, plus the revision reached. */
export type StoreWatchResult = LeaseWatchResult & { revision: number; skipped?: SkippedEntry[] };

/** Options of {@linkcode LeaseStore.watchLeases}. */
export interface WatchOptions {
  /** Watch only this lease (the renewal loop's own-lease watch). */
  subnets?: LeaseSubnets;
}

export interface LeaseStore {
  /** Shown in logs (`etcd http://127.0.0.1:2379 /coreos.com/network`). */
  readonly name: string;
  /** Raw network config JSON text; throws {@linkcode ConfigNotFoundError} when absent. */
  getNetworkConfig(): Promise<string>;
  listLeases(): Promise<LeaseList>;
  /** One lease with its exact expiration (etcd: a TTL query); `null` when absent or garbage. */
  getLease(subnets: LeaseSubnets): Promise<Lease | null>;
  /**
   * Creates the lease only if its key is free; throws {@linkcode LeaseConflictError} otherwise.
   * `ttlSeconds` `null` writes a key without TTL (a reservation).
   */
  createLease(subnets: LeaseSubnets, attrs: LeaseAttrs, ttlSeconds: number | null): Promise<Lease>;
  /** Writes the lease with a fresh TTL (`null`: no TTL, a reservation stays one). */
  updateLease(subnets: LeaseSubnets, attrs: LeaseAttrs, ttlSeconds: number | null): Promise<Lease>;
  /** Deletes the lease; a missing one is success. */
  deleteLease(subnets: LeaseSubnets): Promise<void>;
  /**
   * Watches every change after `revision` until `signal` aborts; `revision` ≤ 0 starts with a
   * snapshot of the current state. Reconnects by itself; when events may have been lost
   * (compaction, long outage) it yields a fresh snapshot instead. When the store lost its data
   * (revision going backwards, or {@linkcode reportDataLoss}) it yields a snapshot marked
   * `reset`, and a full watch (without `subnets`) a plain snapshot `RESET_GRACE_MS` later. An
   * entry that does not parse is reported in `skipped`, never as a removal. The iterator ends
   * soon after `signal` aborts.
   */
  watchLeases(
    revision: number,
    signal: AbortSignal,
    options?: WatchOptions,
  ): AsyncIterable<StoreWatchResult>;
  /**
   * The caller found that the store lost its data though no watch noticed (our lease is gone
   * and no deletion of it was seen): the store logs `reason` once and every open watch hands
   * over a reset snapshot (`reset: true`, see mod/subnet/reset.ts), as when a watch notices.
   */
  reportDataLoss(reason: string): void;
  close(): Promise<void>;
}

const NO_ATTRS: LeaseAttrs = { publicIP: null, publicIPv6: null, backendType: "" };

/** The lease a removal event carries: the subnets only (as upstream's `EventRemoved`). */
export function removedLease(subnets: LeaseSubnets): Lease {
  return { subnet: subnets.subnet, ipv6Subnet: subnets.ipv6Subnet, attrs: NO_ATTRS };
}

/**
 * Reads the name of an entry under `subnets/` (`10.5.1.0-24`); `null` unless it is a subnet
 * key in the canonical form we and upstream write, so `x10.5.1.0-24` (which upstream's
 * end-anchored regex would accept, then renew under another key) is garbage.
 */
export function parseEntryName(name: string): LeaseSubnets | null {
  const s = tryParseSubnetKey(name);
  return s !== null && subnetKey(s) === name ? s : null;
}

/**
 * Decodes one stored entry into a lease, or into the reason it is skipped. Never throws:
 * a bad entry must not disturb the others.
 */
export function decodeLeaseEntry(
  name: string,
  value: string,
  expiration?: Date | null,
): Lease | SkippedEntry {
  const subnets = parseEntryName(name);
  if (subnets === null) return { key: name, reason: `"${name}" is not a subnet key` };
  try {
    const lease: Lease = { ...subnets, attrs: decodeLeaseAttrs(value) };
    if (expiration !== undefined) lease.expiration = expiration;
    return lease;
  } catch (err) {
    return { key: name, reason: errorText(err) };
  }
}

/** Whether {@linkcode decodeLeaseEntry} gave a skipped entry. */
export function isSkipped(x: Lease | SkippedEntry): x is SkippedEntry {
  return "reason" in x;
}
