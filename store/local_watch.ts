/**
 * The local store's watch: a snapshot, then changes found by diffing the directory against
 * what this watch last saw — per name on `Deno.watchFs` (inotify) events, and as a full rescan
 * every `rescanMs` so nothing is missed (an overflowed inotify queue, a file system without
 * events); an expiry timer turns a lease whose time is up into a removal.
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
  /** Period of the full rescan. */
  rescanMs: number;
  /** Use `Deno.watchFs`; without it changes are seen at the next rescan. */
  fsEvents: boolean;
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

/** Names touched by file-system events, and a way to wait for the next ones. */
class FsEvents {
  readonly names = new Set<string>();
  #wake: (() => void) | null = null;
  /** Ends the current wait (a reset was announced). */
  readonly poke = () => this.#wake?.();
  #watcher: Deno.FsWatcher | null = null;
  #pump: Promise<void> = Promise.resolve();

  constructor(ctx: LocalWatchContext) {
    if (!ctx.fsEvents) return;
    this.#watcher = Deno.watchFs([ctx.files.subnets, ctx.files.expiry], { recursive: false });
    this.#pump = (async () => {
      for await (const ev of this.#watcher!) {
        for (const p of ev.paths) this.names.add(p.slice(p.lastIndexOf("/") + 1));
        this.#wake?.();
      }
    })().catch((err) => ctx.log.warn(`Lease directory watch failed: ${errorText(err)}`));
  }

  /** Resolves on the next event (or never, without events); `cancel` stops the wait. */
  next(cancel: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.#wake = null;
        cancel.removeEventListener("abort", done);
        resolve();
      };
      this.#wake = done;
      cancel.addEventListener("abort", done, { once: true });
    });
  }

  async close(): Promise<void> {
    this.#watcher?.close();
    await this.#pump;
  }
}

/**
 * Waits for file events, the rescan period, the next expiry or `deadline`; true when it is a
 * rescan.
 */
async function wait(
  ctx: LocalWatchContext,
  fs: FsEvents,
  state: State,
  signal: AbortSignal,
  deadline: number | null,
) {
  const now = ctx.clock.now();
  let until = Math.min(now + ctx.rescanMs, deadline ?? Infinity);
  for (const e of state.values()) {
    if (e.expiresAt !== null && e.expiresAt < until) until = e.expiresAt;
  }
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    if (fs.names.size > 0) return false;
    const timer = ctx.clock.sleep(Math.max(0, until - now), stop.signal).then(() => true);
    return await Promise.race([timer, fs.next(stop.signal).then(() => false)]);
  } finally {
    stop.abort();
    signal.removeEventListener("abort", onAbort);
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

/** Why a scan shows lost data (see the module notes), or null. */
function lossIn(state: State, fresh: State, names: Iterable<string>, from: number, to: number) {
  if (to < from) return `The local store's revision went backwards (${from} → ${to}): ${DATA_LOST}`;
  if (to !== from) return null;
  for (const name of names) {
    if (state.has(name) && !fresh.has(name)) {
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

/** Reads what changed since the last look; null when nothing needs reading. */
async function look(
  ctx: LocalWatchContext,
  fs: FsEvents,
  view: View,
  rescan: boolean,
  only: string | null,
) {
  const touched = rescan ? null : [...fs.names].filter((n) => only === null || n === only);
  fs.names.clear();
  if (touched?.length === 0) return null;
  const r = await ctx.files.scan(rescan && only !== null ? [only] : touched);
  const names = touched ?? new Set([...view.state.keys(), ...r.entries.keys()]);
  const loss = lossIn(view.state, r.entries, names, view.revision, r.revision);
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
  const fs = new FsEvents(ctx);
  const unlisten = ctx.resets.listen(fs.poke);
  try {
    const first = await snapshot(ctx, only, false);
    const view: View = { ...first, epoch: ctx.resets.epoch, grace: null };
    yield first.result;
    while (!signal.aborted) {
      try {
        const snap = await resync(ctx, view, only);
        if (snap !== null) {
          yield snap;
          continue;
        }
        const rescan = await wait(ctx, fs, view.state, signal, view.grace);
        if (signal.aborted) return;
        const r = await look(ctx, fs, view, rescan, only);
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
    await fs.close();
  }
}
