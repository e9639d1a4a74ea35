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
}

type State = Map<string, RawEntry>;

const same = (a: RawEntry | undefined, b: RawEntry | undefined) =>
  a?.value === b?.value && Object.is(a?.expiresAt, b?.expiresAt) && a?.skip === b?.skip;

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
 * Waits until the revision moves from `seen` (looked at every `pollMs`), the rescan period
 * ends or the next lease in `state` expires, whichever comes first.
 */
async function wait(ctx: LocalWatchContext, state: State, seen: number, signal: AbortSignal) {
  let until = ctx.clock.now() + ctx.rescanMs;
  for (const e of state.values()) {
    if (e.expiresAt !== null && e.expiresAt < until) until = e.expiresAt;
  }
  for (let now = ctx.clock.now(); now < until && !signal.aborted; now = ctx.clock.now()) {
    const step = ctx.pollMs > 0 ? Math.min(ctx.pollMs, until - now) : until - now;
    await ctx.clock.sleep(step, signal);
    if (ctx.pollMs > 0 && revisionOr(ctx, seen) !== seen) return;
  }
}

/** The watch loop behind `LocalStore.watchLeases`; `only` limits it to one entry name. */
export async function* watchLocal(
  ctx: LocalWatchContext,
  signal: AbortSignal,
  only: string | null,
): AsyncIterable<StoreWatchResult> {
  const names = only === null ? null : [only];
  const first = await ctx.files.scan(names);
  const state: State = new Map();
  const d = diff(ctx, state, first.entries, first.entries.keys());
  if (d.expired.length > 0) await ctx.sweep(d.expired).catch(() => {});
  const leases = [...state.entries()].map(([n, e]) => ctx.decode(n, e)).filter((x) =>
    !isSkipped(x)
  );
  yield {
    kind: "snapshot",
    leases: leases as Lease[],
    revision: first.revision,
    skipped: d.skipped,
  };
  let seen = first.revision;
  while (!signal.aborted) {
    await wait(ctx, state, seen, signal);
    if (signal.aborted) return;
    let r;
    try {
      r = await ctx.files.scan(names);
    } catch (err) {
      ctx.log.warn(`Cannot read the lease directory: ${errorText(err)}`);
      continue;
    }
    seen = r.revision;
    const { events, skipped, expired } = diff(ctx, state, r.entries, [
      ...new Set([...state.keys(), ...r.entries.keys()]),
    ]);
    if (expired.length > 0) await ctx.sweep(expired).catch(() => {});
    if (events.length > 0 || skipped.length > 0) {
      yield { kind: "events", events, revision: r.revision, skipped };
    }
  }
}
