/**
 * The local store's watch: a snapshot, then changes found by diffing the directory against
 * what this watch last saw — scanned whenever the store's revision moves (read every
 * `pollMs`: every change made through a store bumps it) and as a full rescan every
 * `rescanMs`, which finds hand edits too; an expiry timer turns a lease whose time is up into
 * a removal.
 *
 * Design notes: there is no change log on disk, so a watch always starts with a snapshot
 * (whatever revision it is given) and reports states, not every intermediate write: a lease
 * written twice between two looks is one `added`. That is all a LeaseWatcher needs. A renewal
 * (new expiry) is an `added`, as an etcd re-put is. A garbage entry is reported once per
 * change in `skipped`, never as a removal.
 *
 * Lost data (mod/subnet/reset.ts): the directory's revision counter going backwards (the
 * directory was wiped or replaced), or a lease file gone while the counter did not move (every
 * change through a store bumps it, so the file was lost, not deleted), is announced once; each
 * watch then hands over a snapshot marked `reset` (a full watch a plain one the grace period
 * later) instead of reporting removals.
 *
 * Why no `Deno.watchFs` (inotify): in Deno 2.9.6 its event thread opens every path an event
 * names with a blocking `open(2)` (to compare it with the watched paths), so a FIFO created in
 * a watched directory freezes that thread for good: no more events, and the process can no
 * longer close the watcher or exit. Anyone with write access to `subnets/` could stop every
 * agent sharing it. Reading one small file every `pollMs` costs microseconds and opens
 * nothing but regular files (mod/regular_file.ts); a change is seen within `pollMs` instead
 * of at once, and a scan then reads every entry (tens of milliseconds for 5,000).
 */
import type { Clock } from "../mod/clock.ts";
import { errorText } from "../mod/errors.ts";
import type { Lease, LeaseEvent } from "../mod/lease/types.ts";
import type { Logger } from "../mod/log.ts";
import { DATA_LOST, type StoreResets } from "../mod/subnet/reset.ts";
import {
  isSkipped,
  parseEntryName,
  removedLease,
  type SkippedEntry,
  type StoreWatchResult,
} from "../mod/subnet/store.ts";
import type { LocalDir, RawEntry } from "./local_files.ts";

export interface LocalWatchContext {
  files: LocalDir;
  clock: Clock;
  log: Logger;
  /** Period of the full rescan (finds hand edits, which leave the revision alone). */
  rescanMs: number;
  /** Period of the revision check (a change through any store → a scan); 0: rescans only. */
  pollMs: number;
  decode(name: string, e: RawEntry): Lease | SkippedEntry;
  isExpired(e: RawEntry): boolean;
  /** Deletes entries found expired (so other readers see them go too). */
  sweep(names: string[]): Promise<void>;
  /** The store client's resets, shared by its watches. */
  resets: StoreResets;
  /** From a reset snapshot to the plain one of a full watch. */
  resetGraceMs: number;
}

type State = Map<string, RawEntry>;

const same = (a: RawEntry | undefined, b: RawEntry | undefined) =>
  a?.value === b?.value && Object.is(a?.expiresAt, b?.expiresAt);

/** Applies what was read for `names` to `state`; returns the events it makes. */
function diff(ctx: LocalWatchContext, state: State, fresh: State, names: Iterable<string>) {
  const events: LeaseEvent[] = [];
  const skipped: SkippedEntry[] = [];
  const expired: string[] = [];
  for (const name of names) {
    const old = state.get(name);
    let cur = fresh.get(name);
    if (cur !== undefined && ctx.isExpired(cur)) {
      expired.push(name);
      cur = undefined;
    }
    if (same(old, cur)) continue;
    if (cur === undefined) {
      state.delete(name);
      const s = parseEntryName(name);
      if (s !== null && !isSkipped(ctx.decode(name, old!))) {
        events.push({ type: "removed", lease: removedLease(s) });
      }
      continue;
    }
    state.set(name, cur);
    const x = ctx.decode(name, cur);
    if (isSkipped(x)) skipped.push(x);
    else events.push({ type: "added", lease: x });
  }
  return { events, skipped, expired };
}

/** The revision now; `seen` when it cannot be read (the next rescan reports the error). */
function revisionOr(ctx: LocalWatchContext, seen: number): number {
  try {
    return ctx.files.revision();
  } catch {
    return seen;
  }
}

/**
 * Waits until the revision moves from the view's (looked at every `pollMs`), the rescan period
 * ends, the next lease in the view expires, the reset grace ends or `signal` aborts.
 */
async function wait(ctx: LocalWatchContext, view: View, signal: AbortSignal) {
  let until = Math.min(ctx.clock.now() + ctx.rescanMs, view.grace ?? Infinity);
  for (const e of view.state.values()) {
    if (e.expiresAt !== null && e.expiresAt < until) until = e.expiresAt;
  }
  for (let now = ctx.clock.now(); now < until && !signal.aborted; now = ctx.clock.now()) {
    const step = ctx.pollMs > 0 ? Math.min(ctx.pollMs, until - now) : until - now;
    await ctx.clock.sleep(step, signal);
    if (ctx.pollMs > 0 && revisionOr(ctx, view.revision) !== view.revision) return;
  }
}

/** A full read of what the watch covers, as its new state and a snapshot. */
async function snapshot(ctx: LocalWatchContext, only: string | null, reset: boolean) {
  const first = await ctx.files.scan(only === null ? null : [only]);
  const state: State = new Map();
  const d = diff(ctx, state, first.entries, first.entries.keys());
  if (d.expired.length > 0) await ctx.sweep(d.expired).catch(() => {});
  const leases = [...state.entries()].map(([n, e]) => ctx.decode(n, e)).filter((x) =>
    !isSkipped(x)
  ) as Lease[];
  const result: StoreWatchResult = {
    kind: "snapshot",
    leases,
    revision: first.revision,
    skipped: d.skipped,
  };
  return { state, revision: first.revision, result: reset ? { ...result, reset: true } : result };
}

/** Why a scan shows lost data (see the module notes), or null; revisions `[from, to]`. */
function lossIn(
  ctx: LocalWatchContext,
  state: State,
  fresh: State,
  names: Iterable<string>,
  [from, to]: [number, number],
) {
  if (to < from) return `The local store's revision went backwards (${from} → ${to}): ${DATA_LOST}`;
  if (to !== from) return null;
  for (const name of names) {
    const old = state.get(name);
    // A skipped entry (garbage, a FIFO) removed by hand is no lease lost.
    if (old !== undefined && !fresh.has(name) && !isSkipped(ctx.decode(name, old))) {
      return `Lease file "${name}" vanished without a change through the store: ${DATA_LOST}`;
    }
  }
  return null;
}

/** What a watch holds between looks. */
interface View {
  state: State;
  revision: number;
  /** The reset epoch the view dates from. */
  epoch: number;
  /** When the grace period of the last reset ends (full watches), else null. */
  grace: number | null;
}

/**
 * The snapshot a reset (or its grace period's end) calls for, or null when none is due; the
 * view becomes the new state. Throws when the directory cannot be read (the view is kept).
 */
async function resync(ctx: LocalWatchContext, view: View, only: string | null) {
  const now = ctx.clock.now();
  const fresh = ctx.resets.epoch !== view.epoch;
  const graceOver = view.grace !== null && now >= view.grace;
  if (!fresh && !graceOver) return null;
  const epoch = ctx.resets.epoch;
  const grace = fresh && only === null ? now + ctx.resetGraceMs : graceOver ? null : view.grace;
  const s = await snapshot(ctx, only, fresh || grace !== null);
  Object.assign(view, { state: s.state, revision: s.revision, epoch, grace });
  return s.result;
}

/** Reads what the watch covers and diffs it against the view; null when data was lost. */
async function look(ctx: LocalWatchContext, view: View, only: string | null) {
  const r = await ctx.files.scan(only === null ? null : [only]);
  const names = new Set([...view.state.keys(), ...r.entries.keys()]);
  const loss = lossIn(ctx, view.state, r.entries, names, [view.revision, r.revision]);
  if (loss !== null) {
    ctx.resets.announce(loss, view.epoch); // the next resync() hands over the reset snapshot
    return null;
  }
  view.revision = r.revision;
  const d = diff(ctx, view.state, r.entries, names);
  if (d.expired.length > 0) await ctx.sweep(d.expired).catch(() => {});
  return { ...d, revision: r.revision };
}

/** The watch loop behind `LocalStore.watchLeases`; `only` limits it to one entry name. */
export async function* watchLocal(
  ctx: LocalWatchContext,
  signal: AbortSignal,
  only: string | null,
): AsyncIterable<StoreWatchResult> {
  // A reset announced by any watch of this client (or the renewal) ends the current wait.
  let poke = new AbortController();
  const unlisten = ctx.resets.listen(() => poke.abort());
  try {
    const first = await snapshot(ctx, only, false);
    const view: View = { ...first, epoch: ctx.resets.epoch, grace: null };
    yield first.result;
    while (!signal.aborted) {
      try {
        if (poke.signal.aborted) poke = new AbortController();
        const snap = await resync(ctx, view, only);
        if (snap !== null) {
          yield snap;
          continue;
        }
        await wait(ctx, view, AbortSignal.any([signal, poke.signal]));
        if (signal.aborted) return;
        if (poke.signal.aborted) continue;
        const r = await look(ctx, view, only);
        if (r !== null && (r.events.length > 0 || r.skipped.length > 0)) {
          yield { kind: "events", events: r.events, revision: r.revision, skipped: r.skipped };
        }
      } catch (err) {
        ctx.log.warn(`Cannot read the lease directory: ${errorText(err)}`);
        await ctx.clock.sleep(ctx.rescanMs, signal);
      }
    }
  } finally {
    unlisten();
  }
}
