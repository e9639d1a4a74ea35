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
  /** Period of the full rescan. */
  rescanMs: number;
  /** Use `Deno.watchFs`; without it changes are seen at the next rescan. */
  fsEvents: boolean;
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

/** Names touched by file-system events, and a way to wait for the next ones. */
class FsEvents {
  readonly names = new Set<string>();
  #wake: (() => void) | null = null;
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

/** Waits for file events, the rescan period or the next expiry; true when it is a rescan. */
async function wait(ctx: LocalWatchContext, fs: FsEvents, state: State, signal: AbortSignal) {
  const now = ctx.clock.now();
  let until = now + ctx.rescanMs;
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

/** The watch loop behind `LocalStore.watchLeases`; `only` limits it to one entry name. */
export async function* watchLocal(
  ctx: LocalWatchContext,
  signal: AbortSignal,
  only: string | null,
): AsyncIterable<StoreWatchResult> {
  const fs = new FsEvents(ctx);
  try {
    const first = await ctx.files.scan(only === null ? null : [only]);
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
    while (!signal.aborted) {
      const rescan = await wait(ctx, fs, state, signal);
      if (signal.aborted) return;
      const touched = rescan ? null : [...fs.names].filter((n) => only === null || n === only);
      fs.names.clear();
      if (touched?.length === 0) continue;
      let r;
      try {
        r = await ctx.files.scan(rescan && only !== null ? [only] : touched);
      } catch (err) {
        ctx.log.warn(`Cannot read the lease directory: ${errorText(err)}`);
        continue;
      }
      const names = touched ?? new Set([...state.keys(), ...r.entries.keys()]);
      const { events, skipped, expired } = diff(ctx, state, r.entries, names);
      if (expired.length > 0) await ctx.sweep(expired).catch(() => {});
      if (events.length > 0 || skipped.length > 0) {
        yield { kind: "events", events, revision: r.revision, skipped };
      }
    }
  } finally {
    await fs.close();
  }
}
