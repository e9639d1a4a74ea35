/**
 * The etcd lease watch (upstream `WatchLeases`/`WatchLease`, spec §3.1.7) on npm:etcd3: a
 * prefix (or single-key) watch from revision+1; npm:etcd3 reconnects the stream by itself with
 * our backoff (100 ms → 5 s); when etcd cancels the watch (compaction: the history we need is
 * gone) we re-list, hand over a snapshot and watch on from its revision.
 *
 * Design notes: npm:etcd3 resumes a reconnected watch from the revision in the last response
 * header + 1. After a `created` response (or a catch-up batch etcd cut at 1,000 revisions)
 * that header is the store's current revision, not the last event delivered, so a stream that
 * breaks right then would skip events. We set the resume revision ourselves to the last
 * delivered event's revision + 1 after every response, which never skips and never repeats.
 *
 * A store that lost its data (etcd restarted with an empty data directory) would leave such a
 * watch waiting for a revision the new store reaches only much later, seeing nothing. The
 * `created` response of every (re)connect carries the store's revision: below the one we had
 * reached (or with another cluster ID) means the data is gone, and the watch announces it
 * (mod/subnet/reset.ts), re-lists and hands over a snapshot marked `reset`, then watches on
 * from the new store's revision. A full watch hands over a plain snapshot the grace period
 * later, so peers that did not re-register by then are removed. Every (re)connect and
 * disconnect also feeds the store's outage log (store/outage.ts).
 */
import type { Etcd3, IKeyValue, IResponseHeader, IWatchResponse, Watcher } from "etcd3";
import { systemClock } from "../mod/clock.ts";
import { errorText } from "../mod/errors.ts";
import type { LeaseEvent } from "../mod/lease/types.ts";
import type { Logger } from "../mod/log.ts";
import {
  isSkipped,
  type LeaseList,
  parseEntryName,
  removedLease,
  type SkippedEntry,
  type StoreWatchResult,
} from "../mod/subnet/store.ts";
import type { Lease } from "../mod/lease/types.ts";
import { DATA_LOST, type StoreResets } from "../mod/subnet/reset.ts";
import { describeEtcdError } from "./etcd_client.ts";
import type { OutageLog } from "./outage.ts";
import { CallbackQueue } from "./callback_queue.ts";

/** What the watch needs from the store. */
export interface EtcdWatchContext {
  client: Etcd3;
  log: Logger;
  /** `<prefix>/subnets/`: every lease key is this plus a subnet key. */
  dir: string;
  /** Full key of one lease, or {@linkcode dir} for a prefix watch. */
  key: string;
  prefix: boolean;
  /** Decodes a put (the store's list does the same). */
  decode(kv: IKeyValue): Lease | SkippedEntry;
  /** Lists what the watch covers. */
  list(): Promise<LeaseList>;
  /** Delay before the n-th retry of a failed re-list (n ≥ 1). */
  backoffMs(n: number): number;
  /** The store client's resets, shared by its watches. */
  resets: StoreResets;
  /** The store client's outage log. */
  outage: OutageLog;
  /** The cluster ID etcd answered with so far (shared by the client's watches). */
  cluster: { id: string | null };
  /** From a reset snapshot to the plain one of a full watch (`RESET_GRACE_MS`). */
  resetGraceMs: number;
}

/** A response, a cancelled watch, a reset announced, or the end of a reset's grace period. */
type Item = { res: IWatchResponse } | { lost: unknown } | { reset: true } | { graceOver: true };
/** The items of one watcher, from its event-emitter callbacks to the watch loop. */
class Queue extends CallbackQueue<Item> {}

/** Lists until it works (logging, backing off) or `signal` aborts (→ null). */
async function relist(ctx: EtcdWatchContext, signal: AbortSignal): Promise<LeaseList | null> {
  for (let n = 1; !signal.aborted; n++) {
    try {
      return await ctx.list();
    } catch (err) {
      ctx.log.warn(`Cannot list leases to resync the watch: ${errorText(err)}`);
      await systemClock.sleep(ctx.backoffMs(n), signal);
    }
  }
  return null;
}

/** Events of one watch response, and the revision after its last event. */
function decodeResponse(ctx: EtcdWatchContext, res: IWatchResponse) {
  const events: LeaseEvent[] = [];
  const skipped: SkippedEntry[] = [];
  let last = 0;
  for (const ev of res.events) {
    last = Math.max(last, Number(ev.kv.mod_revision));
    if (ev.type === "Put") {
      const x = ctx.decode(ev.kv);
      if (isSkipped(x)) skipped.push(x);
      else events.push({ type: "added", lease: x });
      continue;
    }
    const key = ev.kv.key.toString();
    const s = key.startsWith(ctx.dir) ? parseEntryName(key.slice(ctx.dir.length)) : null;
    if (s !== null) events.push({ type: "removed", lease: removedLease(s) });
  }
  return { events, skipped, last };
}

/**
 * Announces a reset when a header shows another store than the one this watch saw: another
 * cluster ID (etcd rebuilt from scratch, whatever its revision), or a revision below `known`
 * (reached before we asked: a member that lost its disk). `epoch`: the watch's view.
 */
function checkStore(ctx: EtcdWatchContext, h: IResponseHeader, known: number, epoch: number) {
  const rev = Number(h.revision);
  const id = ctx.cluster.id;
  ctx.cluster.id = h.cluster_id;
  if (id !== null && id !== h.cluster_id) {
    ctx.resets.announce(`etcd's cluster ID changed (${id} → ${h.cluster_id}): ${DATA_LOST}`, epoch);
  } else if (rev < known) {
    ctx.resets.announce(`etcd's revision went backwards (${known} → ${rev}): ${DATA_LOST}`, epoch);
  }
}

function openWatcher(ctx: EtcdWatchContext, from: number, queue: Queue, epoch: number): Watcher {
  const b = ctx.client.watch();
  const w = (ctx.prefix ? b.prefix(ctx.key) : b.key(ctx.key)).startRevision(String(from)).watcher();
  let next = from;
  // Runs after npm:etcd3's own listeners (registered in the constructor): see design notes.
  w.on("connected", (res: IWatchResponse) => {
    w.request.start_revision = String(next);
    ctx.outage.ok();
    checkStore(ctx, res.header, next - 1, epoch);
  });
  w.on("data", (res: IWatchResponse) => {
    for (const ev of res.events) next = Math.max(next, Number(ev.kv.mod_revision) + 1);
    w.request.start_revision = String(next);
    queue.push({ res });
  });
  w.on("error", (err: unknown) => queue.push({ lost: err }));
  w.on("disconnected", (err: unknown) => {
    ctx.log.v(1, `etcd watch disconnected: ${errorText(err)}`);
    ctx.outage.failed(describeEtcdError(err));
  });
  return w;
}

async function cancel(w: Watcher): Promise<void> {
  // A cancel waits for etcd's answer; do not hang shutdown when etcd is gone.
  const stop = new AbortController();
  await Promise.race([w.cancel().catch(() => {}), systemClock.sleep(2000, stop.signal)]);
  stop.abort();
}

/** Why one watcher's stream of responses ended. */
type End = "lost" | "reset" | "graceOver" | "aborted";

/** Where a watch is: revision and reset epoch its view dates from, why it last ended, grace. */
interface At {
  rev: number;
  epoch: number;
  end: End;
  graceUntil: number | null;
}

/** Yields one watcher's events from `at.rev` + 1 until it ends (`at.end` says why). */
async function* follow(
  ctx: EtcdWatchContext,
  at: At,
  signal: AbortSignal,
): AsyncGenerator<StoreWatchResult> {
  at.end = "reset";
  if (ctx.resets.epoch !== at.epoch) return; // announced while our snapshot was read
  const queue = new Queue();
  const unlisten = ctx.resets.listen(() => queue.push({ reset: true }));
  const w = openWatcher(ctx, at.rev + 1, queue, at.epoch);
  const grace = at.graceUntil === null ? undefined : setTimeout(
    () => queue.push({ graceOver: true }),
    Math.max(0, at.graceUntil - systemClock.now()),
  );
  at.end = "aborted";
  try {
    for (let item = await queue.take(signal); item !== null; item = await queue.take(signal)) {
      if (!("res" in item)) {
        at.end = "lost" in item ? "lost" : "reset" in item ? "reset" : "graceOver";
        if ("lost" in item) {
          ctx.log.warn(
            `etcd watch of "${ctx.key}" was cancelled (${errorText(item.lost)}), re-listing`,
          );
        }
        return;
      }
      const { events, skipped, last } = decodeResponse(ctx, item.res);
      if (last > at.rev) at.rev = last;
      if (events.length > 0 || skipped.length > 0) {
        yield { kind: "events", events, revision: at.rev, skipped };
      }
    }
  } finally {
    unlisten();
    clearTimeout(grace);
    await cancel(w);
  }
}

/** The snapshot after a re-list: marked `reset` after a loss and until its grace is over. */
function snapshotAfter(
  ctx: EtcdWatchContext,
  at: At,
  l: LeaseList,
  e0: number,
): StoreWatchResult {
  // A reset announced while we listed may be the one that list saw: hold removals anyway.
  const fresh = at.end === "reset" || ctx.resets.epoch !== e0;
  const reset = fresh || (at.graceUntil !== null && at.end !== "graceOver");
  if (at.end === "graceOver") at.graceUntil = null;
  if (fresh && ctx.prefix) at.graceUntil = systemClock.now() + ctx.resetGraceMs;
  at.rev = l.revision;
  at.epoch = ctx.resets.epoch;
  at.end = "lost";
  const snapshot: StoreWatchResult = {
    kind: "snapshot",
    leases: l.leases,
    revision: l.revision,
    skipped: l.skipped,
  };
  return reset ? { ...snapshot, reset: true } : snapshot;
}

/** The watch loop behind `EtcdStore.watchLeases`. */
export async function* watchEtcd(
  ctx: EtcdWatchContext,
  revision: number,
  signal: AbortSignal,
): AsyncIterable<StoreWatchResult> {
  const at: At = { rev: revision, epoch: ctx.resets.epoch, end: "lost", graceUntil: null };
  for (let lost = 0, first = revision <= 0; !signal.aborted; first = false) {
    if (!first) {
      for await (const r of follow(ctx, at, signal)) {
        lost = 0;
        yield r;
      }
      if (signal.aborted) return;
      if (at.end === "lost" && lost++ > 0) await systemClock.sleep(ctx.backoffMs(lost), signal);
    }
    const e0 = ctx.resets.epoch;
    const l = await relist(ctx, signal);
    if (l === null) return;
    yield snapshotAfter(ctx, at, l, e0);
  }
}
