/**
 * The storage contract every lease store implements (store/etcd.ts, store/local.ts).
 * Stores persist; they hold no policy: allocation, reuse and renewal timing live once in
 * mod/subnet/manager.ts. One conformance suite (tests/store/conformance.ts) runs against
 * every store.
 */
import { FlannelError } from "../errors.ts";
import type { Lease, LeaseAttrs, LeaseSubnets, LeaseWatchResult } from "../lease/types.ts";

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

export interface LeaseStore {
  /** Shown in logs (`etcd http://127.0.0.1:2379 /coreos.com/network`). */
  readonly name: string;
  /** Raw network config JSON text; throws {@linkcode ConfigNotFoundError} when absent. */
  getNetworkConfig(): Promise<string>;
  listLeases(): Promise<LeaseList>;
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
   * Watches every lease after `revision` until `signal` aborts. Reconnects by itself; when
   * events may have been lost (compaction, long outage) it yields a fresh snapshot instead.
   * An entry that does not parse is reported in `skipped`, never as a removal.
   */
  watchLeases(revision: number, signal: AbortSignal): AsyncIterable<StoreWatchResult>;
  close(): Promise<void>;
}
