/**
 * Desired vs actual, as a pure function: which entries to replace and which to delete.
 *
 * Design notes: only entries flannel owns are ever deleted, so an operator's own routes and the
 * kernel's connected routes are safe. A route is flannel's when its destination lies inside the
 * cluster network and it either carries flannel's route protocol or sits on a flannel device
 * (the devices are ours alone); proto `kernel` routes never are. Neighbours and FDB entries are
 * flannel's when they are permanent and on a flannel device. Everything else is left alone.
 */
import type { IPNet } from "../ip/mod.ts";
import { APPLY_ORDER, type Entry, entryKey, sameEntry } from "./entries.ts";

/** `RTPROT_KERNEL`: connected routes the kernel adds for addresses. */
export const RTPROT_KERNEL = 2;
/**
 * The route protocol flannel's routes carry (`ip route ... proto 242`), so routes survive a
 * restart as recognisably ours and stale ones can be pruned. 242 is unassigned in
 * iproute2's rt_protos.
 */
export const RTPROT_FLANNEL = 242;

/** What flannel owns on this host: the devices it made and the cluster networks. */
export interface Scope {
  devices: readonly string[];
  networks: readonly IPNet[];
  protocol: number;
}

/** An entry read back from the kernel, with the facts that decide ownership. */
export interface Observed {
  entry: Entry;
  /** Route protocol (`RTPROT_*`); routes only. */
  protocol?: number;
  /** `NUD_PERMANENT` (neighbours, FDB entries). */
  permanent?: boolean;
}

export type Op = { op: "replace"; entry: Entry } | { op: "delete"; entry: Entry };

/** Whether flannel owns an observed entry (and may delete it). */
export function isOwned(o: Observed, scope: Scope): boolean {
  const e = o.entry;
  const onOurDevice = scope.devices.includes(e.dev);
  if (e.kind === "route") {
    if (o.protocol === RTPROT_KERNEL) return false;
    if (!scope.networks.some((n) => n.contains(e.dst))) return false;
    return o.protocol === scope.protocol || onOurDevice;
  }
  return onOurDevice && o.permanent === true;
}

/** Sorts ops so replaces put neighbours and FDB entries before routes; deletes go routes first. */
export function orderOps(ops: Op[]): Op[] {
  const rank = (o: Op) =>
    o.op === "delete" ? 2 - APPLY_ORDER[o.entry.kind] : 3 + APPLY_ORDER[o.entry.kind];
  return ops.sort((a, b) => rank(a) - rank(b));
}

/**
 * The ops that turn `observed` into `desired`: a replace for every desired entry that is
 * missing or differs, a delete for every owned entry nobody wants.
 */
export function diff(
  desired: ReadonlyMap<string, Entry>,
  observed: Observed[],
  scope: Scope,
): Op[] {
  const seen = new Map<string, Observed[]>();
  for (const o of observed) {
    const k = entryKey(o.entry);
    const list = seen.get(k);
    if (list) list.push(o);
    else seen.set(k, [o]);
  }
  const ops: Op[] = [];
  for (const [k, want] of desired) {
    const have = seen.get(k) ?? [];
    if (!have.some((o) => sameEntry(o.entry, want))) ops.push({ op: "replace", entry: want });
    // A second object under the same key (e.g. the same route on another device) is stale.
    for (const o of have) {
      if (!sameEntry(o.entry, want) && o.entry.dev !== want.dev && isOwned(o, scope)) {
        ops.push({ op: "delete", entry: o.entry });
      }
    }
  }
  for (const [k, have] of seen) {
    if (desired.has(k)) continue;
    for (const o of have) if (isOwned(o, scope)) ops.push({ op: "delete", entry: o.entry });
  }
  return orderOps(ops);
}
