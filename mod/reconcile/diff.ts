/**
 * Desired vs actual, as a pure function: which entries to replace and which to delete.
 *
 * Design notes: only entries flannel owns are ever deleted, so an operator's own routes and the
 * kernel's connected routes are safe; what flannel owns, and which routes are someone else's
 * beyond doubt, is ./ownership.ts's one answer (shared with `flanneld status`). Everything
 * else is left alone. A route that is someone else's beyond doubt — a connected route (proto
 * `kernel`) or any route outside the cluster networks — is not replaced when a desired route
 * has its key: the pass reports it as blocked instead (a lease for the underlay must not cut
 * the host off). A desired route found with another protocol is not in place: it is replaced,
 * which adopts it. Upstream flanneld writes its routes with proto boot, and the kernel deletes
 * a route only when the delete names its protocol (ours: 242), so on a node switched from
 * upstream a route left unadopted would outlive its lease.
 */
import { APPLY_ORDER, describeEntry, type Entry, entryKey, sameEntry } from "./entries.ts";
import { isForeignRoute, isOwnedNeigh, isOwnedRoute, type Scope } from "./ownership.ts";
import { RTPROT_KERNEL } from "../netlink/codec/consts.ts";

/** `RTPROT_KERNEL` (codec/consts.ts): connected routes the kernel adds for addresses. */
export { RTPROT_KERNEL };

/**
 * The route protocol flannel's routes carry (`ip route ... proto 242`), so routes survive a
 * restart as recognisably ours and stale ones can be pruned. 242 is unassigned in
 * iproute2's rt_protos.
 */
export const RTPROT_FLANNEL = 242;

/** An entry read back from the kernel, with the facts that decide ownership. */
export interface Observed {
  entry: Entry;
  /** Route protocol (`RTPROT_*`); routes only. */
  protocol?: number;
  /** `NUD_PERMANENT` (neighbours, FDB entries). */
  permanent?: boolean;
}

export type Op = { op: "replace"; entry: Entry } | { op: "delete"; entry: Entry };

/** Whether flannel owns an observed entry (and may delete it); see ./ownership.ts. */
export function isOwned(o: Observed, scope: Scope): boolean {
  const e = o.entry;
  if (e.kind === "route") return isOwnedRoute(e, o.protocol, scope);
  return isOwnedNeigh(e.dev, o.permanent === true, scope);
}

/** A desired entry whose kernel object belongs to someone else (ownership.ts `isForeignRoute`). */
export interface Blocked {
  want: Entry;
  found: Observed;
}

/**
 * What the last full pass found that flushes (which read no kernel state) must not touch:
 * the keys of connected routes (proto `kernel`) and of blocked desired entries, the latter
 * each said once while it stays blocked (see reconciler.ts).
 */
export class BlockedKeys {
  #connected: ReadonlySet<string> = new Set();
  /** Key → the line said for it. */
  readonly #said = new Map<string, string>();

  /** Takes a full pass's findings; `warn` gets a line per newly blocked entry. */
  update(d: Differ, warn: (line: string) => void): void {
    this.#connected = d.connected();
    const blocked = d.blocked();
    for (const k of [...this.#said.keys()]) if (!blocked.has(k)) this.#said.delete(k);
    for (const [k, { want, found }] of blocked) {
      const proto = found.protocol === RTPROT_KERNEL ? "kernel" : `${found.protocol}`;
      const line = `Not replacing ${describeEntry(found.entry)} proto ${proto}: ` +
        `it is not flannel's (wanted: ${describeEntry(want)})`;
      if (this.#said.get(k) !== line) warn(line);
      this.#said.set(k, line);
    }
  }

  has(key: string): boolean {
    return this.#said.has(key) || this.#connected.has(key);
  }
}

/**
 * Orders ops so replaces put neighbours and FDB entries before routes; deletes go routes
 * first. Stable; a bucket pass (six ranks) rather than a sort: a full pass orders 15,000 ops.
 */
export function orderOps(ops: Op[]): Op[] {
  const buckets: Op[][] = [[], [], [], [], [], []];
  for (const o of ops) {
    const kind = APPLY_ORDER[o.entry.kind];
    buckets[o.op === "delete" ? 2 - kind : 3 + kind]!.push(o);
  }
  return buckets.flat();
}

/**
 * The diff fed one observed entry at a time (the kernel's dump order), so a full pass keeps
 * only the deletes and the set of desired entries already in place, not the 15,000 entries
 * it reads.
 */
export class Differ {
  readonly #desired: ReadonlyMap<string, Entry>;
  readonly #scope: Scope;
  readonly #inPlace = new Set<Entry>();
  readonly #blocked = new Map<string, Blocked>();
  readonly #connected = new Set<string>();
  readonly #deletes: Op[] = [];

  constructor(desired: ReadonlyMap<string, Entry>, scope: Scope) {
    this.#desired = desired;
    this.#scope = scope;
  }

  observe(o: Observed): void {
    const key = entryKey(o.entry);
    if (o.entry.kind === "route" && o.protocol === RTPROT_KERNEL) this.#connected.add(key);
    const want = this.#desired.get(key);
    const ourProtocol = o.entry.kind !== "route" || o.protocol === undefined ||
      o.protocol === this.#scope.protocol;
    if (want !== undefined && sameEntry(o.entry, want) && ourProtocol) {
      this.#inPlace.add(want);
    } else if (
      want !== undefined && o.entry.kind === "route" &&
      isForeignRoute(o.entry, o.protocol, this.#scope)
    ) {
      this.#blocked.set(key, { want, found: o });
    } else if ((want === undefined || o.entry.dev !== want.dev) && isOwned(o, this.#scope)) {
      // Owned and unwanted, or a second object under a wanted key (e.g. the same route on
      // another device): stale. The same key on the same device is simply replaced.
      this.#deletes.push({ op: "delete", entry: o.entry });
    }
  }

  /**
   * The ops so far: a replace per desired entry neither in place nor blocked, the deletes;
   * ordered.
   */
  ops(): Op[] {
    const ops: Op[] = [];
    for (const [key, want] of this.#desired) {
      if (!this.#inPlace.has(want) && !this.#blocked.has(key)) {
        ops.push({ op: "replace", entry: want });
      }
    }
    return orderOps(ops.concat(this.#deletes));
  }

  /** Desired entries whose key someone else's route holds, by key (not replaced). */
  blocked(): ReadonlyMap<string, Blocked> {
    return this.#blocked;
  }

  /** Keys of the connected routes (proto `kernel`) seen. */
  connected(): ReadonlySet<string> {
    return this.#connected;
  }
}

/**
 * The ops that turn `observed` into `desired`: a replace for every desired entry that is
 * missing or differs, a delete for every owned entry nobody wants.
 */
export function diff(
  desired: ReadonlyMap<string, Entry>,
  observed: Iterable<Observed>,
  scope: Scope,
): Op[] {
  const d = new Differ(desired, scope);
  for (const o of observed) d.observe(o);
  return d.ops();
}
