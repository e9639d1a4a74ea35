/**
 * Keeping our lease ours, for the renewal loop (./renew.ts) — fixes to upstream, which notices
 * none of this until its next renewal, ~23 h later:
 * - The store lost its data (a reset snapshot without our lease): we re-create our lease with
 *   the same subnet and attributes, compare-and-swap; someone else holding it by then →
 *   {@linkcode LeaseTakenError} (status 1: a restart acquires anew). Meanwhile upstream's
 *   allocator hands our subnet to the next node that starts.
 * - A loss no watch noticed (the new store's revision already beyond the one we had seen):
 *   every minute we look our lease up; missing twice, 5 s apart, with no deletion seen on the
 *   watch (a deletion we see keeps upstream's "revoked"), we report the loss to the store,
 *   whose watches all resync, and re-create. A reservation is not looked up: it is the
 *   operator's; its loss is still seen through the watches.
 * - Our lease rewritten with other attributes (compared by wire encoding; our own writes carry
 *   ours and are just followed): a warning naming the foreign PublicIP, and ours written back
 *   with a fresh TTL, as a renewal. Two hosts configured with one subnet would do that to each
 *   other forever, so past {@linkcode REWRITE_LIMIT} rewrites within
 *   {@linkcode REWRITE_WINDOW_MS} we give up with {@linkcode LeaseContestedError} (status 1).
 */
import type { Clock } from "../clock.ts";
import { errorText, FlannelError } from "../errors.ts";
import { goDuration } from "../go_duration.ts";
import type { Lease, LeaseAttrs, LeaseSubnets } from "../lease/types.ts";
import { encodeLeaseAttrs } from "../lease/value.ts";
import type { Logger } from "../log.ts";
import { DATA_LOST } from "./reset.ts";
import { LeaseConflictError, type LeaseStore } from "./store.ts";

/** How often the renewal loop makes sure our lease is still in the store. */
export const OWN_LEASE_CHECK_MS = 60_000;
/** A lease found missing is looked at again this much later before it counts as lost. */
export const CHECK_CONFIRM_MS = 5_000;
/** Pause before another try at re-creating our lease. */
export const RECREATE_RETRY_MS = 5_000;
/** Rewrites of our lease by someone else tolerated within {@linkcode REWRITE_WINDOW_MS}. */
export const REWRITE_LIMIT = 5;
export const REWRITE_WINDOW_MS = 10 * 60_000;

/** `"10.244.1.0/24"` or `"10.244.1.0/24 fd00::/64"`, for log lines. */
export function showSubnets(s: LeaseSubnets): string {
  return `"${[s.subnet, s.ipv6Subnet].filter((n) => n !== null).join(" ")}"`;
}

/** The public IP a lease names (`0.0.0.0` when unset, as on the wire). */
export function publicIPOf(attrs: LeaseAttrs): string {
  return attrs.publicIP?.toString() ?? "0.0.0.0";
}

/** Another host holds our subnet after the store lost its data: we must start over. */
export class LeaseTakenError extends FlannelError {
  override name = "LeaseTakenError";
  constructor(s: LeaseSubnets, holder: LeaseAttrs) {
    super(
      "ETAKEN",
      `Subnet ${showSubnets(s)} was taken by PublicIP "${publicIPOf(holder)}" after the ` +
        "store lost its data: exiting so that a restart acquires another lease",
    );
  }
}

/** Our lease keeps being rewritten by someone else (two hosts with one subnet?). */
export class LeaseContestedError extends FlannelError {
  override name = "LeaseContestedError";
  constructor(s: LeaseSubnets, holder: LeaseAttrs) {
    super(
      "ECONTESTED",
      `Our lease ${showSubnets(s)} was rewritten by someone else more than ${REWRITE_LIMIT} ` +
        `times within ${goDuration(REWRITE_WINDOW_MS)} (last by PublicIP ` +
        `"${publicIPOf(holder)}"): are two hosts configured with one subnet? Giving up`,
    );
  }
}

/** Counts rewrites of our lease in a sliding window. */
export class RewriteLimiter {
  readonly #times: number[] = [];

  /** Notes a rewrite at `now`; false when it makes more than the limit within the window. */
  note(now: number): boolean {
    while (this.#times.length > 0 && this.#times[0]! <= now - REWRITE_WINDOW_MS) {
      this.#times.shift();
    }
    this.#times.push(now);
    return this.#times.length <= REWRITE_LIMIT;
  }
}

/** What {@linkcode OwnLease} needs from the renewal loop. */
export interface OwnLeaseHost {
  store: LeaseStore;
  clock: Clock;
  log: Logger;
  /** Our lease as acquired: subnets and the attributes we write. */
  lease: Lease;
  /** The TTL our writes use (null: a reservation). */
  ttl: number | null;
  /** Writes our lease with a fresh TTL (a renewal; failures are retried by the loop). */
  renew(): Promise<void>;
  /** Takes a write of ours as the current lease (expiration → next renewal). */
  follow(lease: Lease): Promise<void>;
  /** The loop's next renewal-or-re-create time. */
  retryAt(at: number): void;
}

/** Our lease's state against the store's; see the module notes. */
export class OwnLease {
  readonly #h: OwnLeaseHost;
  /** Our attributes' wire encoding: a write with other bytes is not ours. */
  readonly #ours: string;
  readonly #rewrites = new RewriteLimiter();
  /** The last look found our lease missing (it counts as lost at the next). */
  #suspect = false;
  #missing = false;
  /** When to look our lease up next; Infinity for a reservation. */
  checkAt: number;

  constructor(host: OwnLeaseHost) {
    this.#h = host;
    this.#ours = encodeLeaseAttrs(host.lease.attrs);
    this.checkAt = host.ttl === null ? Infinity : host.clock.now() + OWN_LEASE_CHECK_MS;
  }

  /** The store lost our lease and it is not re-created yet (the loop's timer re-creates). */
  get missing(): boolean {
    return this.#missing;
  }

  /** Our lease as the store has it now (`reset`: read after a loss of the store's data). */
  async onPut(lease: Lease, reset: boolean): Promise<void> {
    const { lease: own, clock, log } = this.#h;
    if (encodeLeaseAttrs(lease.attrs) === this.#ours) {
      this.#missing = false;
      return await this.#h.follow(lease);
    }
    if (reset || this.#missing) throw new LeaseTakenError(own, lease.attrs);
    if (!this.#rewrites.note(clock.now())) throw new LeaseContestedError(own, lease.attrs);
    log.warn(
      `Our lease ${showSubnets(own)} was rewritten by someone else (PublicIP ` +
        `"${publicIPOf(lease.attrs)}"): writing ours back`,
    );
    await this.#h.renew();
  }

  /** The store lost our lease: create it again (compare-and-swap), same subnet and attributes. */
  async recreate(): Promise<void> {
    const { store, log, lease: own } = this.#h;
    this.#missing = true;
    try {
      const l = await store.createLease(own, own.attrs, this.#h.ttl);
      this.#missing = false;
      log.info(`Re-created our lease ${showSubnets(own)} (same subnet and attributes)`);
      return await this.#h.follow(l);
    } catch (err) {
      if (!(err instanceof LeaseConflictError)) return this.#retry(errorText(err));
    }
    // Taken since the loss: by us (a create retried after a lost reply) or someone else.
    let holder: Lease | null;
    try {
      holder = await store.getLease(own);
    } catch (err) {
      return this.#retry(errorText(err));
    }
    if (holder === null) return this.#retry("its key holds an entry that is not a lease");
    await this.onPut(holder, true);
  }

  #retry(why: string): void {
    this.#h.log.error(`Cannot re-create our lease (trying again in 5s): ${why}`);
    this.#h.retryAt(this.#h.clock.now() + RECREATE_RETRY_MS);
  }

  /** Every minute: is our lease still there? Missing twice without a deletion seen → lost. */
  async check(): Promise<void> {
    const { store, clock, lease: own } = this.#h;
    this.checkAt = clock.now() + OWN_LEASE_CHECK_MS;
    let lease: Lease | null;
    try {
      lease = await store.getLease(own);
    } catch {
      return; // the store logs its outages
    }
    const missing = lease === null && !this.#missing;
    if (missing && !this.#suspect) this.checkAt = clock.now() + CHECK_CONFIRM_MS;
    else if (missing) {
      store.reportDataLoss(
        `Our lease ${showSubnets(own)} is missing from the store, yet no deletion of it was ` +
          `seen: ${DATA_LOST}`,
      );
    }
    this.#suspect = missing && !this.#suspect;
  }
}
