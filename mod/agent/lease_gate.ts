/**
 * The gate between lease events and the reconciler: a remote lease that must not be
 * programmed (mod/lease/validate.ts: outside the Network, not a SubnetLen subnet, over the
 * underlay or our own subnet; the backend's `check`: backend data that does not decode) is
 * skipped with one line saying which lease and why.
 *
 * Design notes: the line is said once per lease while its reason stays the same, not on every
 * renewal, snapshot or pass (a hostile key would otherwise repeat forever); a reason that
 * changes is said again, and a lease that turns valid is planned as any other. The gate keeps
 * one string per rejected lease, so its memory is bounded by the leases in the store.
 */
import type { Logger } from "../log.ts";
import type { Lease, LeaseSubnets } from "../lease/types.ts";
import { leaseName, leaseProblem } from "../lease/validate.ts";
import type { NetworkConfig } from "../config/net_conf.ts";
import type { ExternalInterface, Prepared } from "../../backends/contract.ts";

/** Why a remote lease cannot be programmed, or null when it can. */
export type LeaseCheck = (lease: Lease) => string | null;

/** The agent state a lease is checked against (read at each call: `prepared` is renewed). */
export interface CheckState {
  config: NetworkConfig;
  iface: Pick<ExternalInterface, "onLink">;
  lease: LeaseSubnets;
  prepared: Pick<Prepared, "check">;
}

/** The network rules first (mod/lease/validate.ts), then the backend's own check. */
export function leaseCheckOf(s: CheckState): LeaseCheck {
  return (lease) =>
    leaseProblem(lease, { config: s.config, onLink: s.iface.onLink, own: s.lease }) ??
      s.prepared.check?.(lease) ?? null;
}

export class LeaseGate {
  readonly #check: LeaseCheck;
  readonly #log: Logger;
  /** Group → the reason last said for it. */
  readonly #rejected = new Map<string, string>();

  constructor(check: LeaseCheck, log: Logger) {
    this.#check = check;
    this.#log = log;
  }

  /** True when `lease` may be planned; else false, said once per reason. */
  admit(group: string, lease: Lease): boolean {
    const reason = this.#check(lease);
    if (reason === null) {
      this.#rejected.delete(group);
      return true;
    }
    if (this.#rejected.get(group) !== reason) {
      this.#rejected.set(group, reason);
      this.#log.warn(`Ignoring lease "${leaseName(lease)}": ${reason}`);
    }
    return false;
  }

  /** The lease is gone; returns whether it was being ignored. */
  forget(group: string): boolean {
    return this.#rejected.delete(group);
  }

  /** Number of leases being ignored now. */
  get size(): number {
    return this.#rejected.size;
  }
}
