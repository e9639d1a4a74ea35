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
 */
import type { Etcd3, IKeyValue, IWatchResponse, Watcher } from "etcd3";
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
}

type Item = { res: IWatchResponse } | { lost: unknown };

/** A queue from event-emitter callbacks to an async loop; `take` returns null on abort. */
class Queue {
  #items: Item[] = [];
  #wake: (() => void) | null = null;

  push(item: Item): void {
    this.#items.push(item);
    this.#wake?.();
  }

  async take(signal: AbortSignal): Promise<Item | null> {
    while (this.#items.length === 0) {
      if (signal.aborted) return null;
      await new Promise<void>((resolve) => {
        const done = () => {
          this.#wake = null;
          signal.removeEventListener("abort", done);
          resolve();
        };
        this.#wake = done;
        signal.addEventListener("abort", done, { once: true });
      });
    }
    return signal.aborted ? null : this.#items.shift()!;
  }
}

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

function openWatcher(ctx: EtcdWatchContext, from: number, queue: Queue): Watcher {
  const b = ctx.client.watch();
  const w = (ctx.prefix ? b.prefix(ctx.key) : b.key(ctx.key)).startRevision(String(from)).watcher();
  let next = from;
  // Runs after npm:etcd3's own listeners (registered in the constructor): see design notes.
  w.on("connected", () => (w.request.start_revision = String(next)));
  w.on("data", (res: IWatchResponse) => {
    for (const ev of res.events) next = Math.max(next, Number(ev.kv.mod_revision) + 1);
    w.request.start_revision = String(next);
    queue.push({ res });
  });
  w.on("error", (err: unknown) => queue.push({ lost: err }));
  w.on(
    "disconnected",
    (err: unknown) => ctx.log.v(1, `etcd watch disconnected: ${errorText(err)}`),
  );
  return w;
}

async function cancel(w: Watcher): Promise<void> {
  // A cancel waits for etcd's answer; do not hang shutdown when etcd is gone.
  const stop = new AbortController();
  await Promise.race([w.cancel().catch(() => {}), systemClock.sleep(2000, stop.signal)]);
  stop.abort();
}

/** The watch loop behind `EtcdStore.watchLeases`. */
export async function* watchEtcd(
  ctx: EtcdWatchContext,
  revision: number,
  signal: AbortSignal,
): AsyncIterable<StoreWatchResult> {
  let rev = revision;
  if (rev <= 0) {
    const l = await relist(ctx, signal);
    if (l === null) return;
    yield { kind: "snapshot", leases: l.leases, revision: l.revision, skipped: l.skipped };
    rev = l.revision;
  }
  for (let lost = 0; !signal.aborted;) {
    const queue = new Queue();
    const w = openWatcher(ctx, rev + 1, queue);
    try {
      for (let item = await queue.take(signal); item !== null; item = await queue.take(signal)) {
        if ("lost" in item) {
          ctx.log.warn(
            `etcd watch of "${ctx.key}" was cancelled (${errorText(item.lost)}), re-listing`,
          );
          break;
        }
        lost = 0;
        const { events, skipped, last } = decodeResponse(ctx, item.res);
        if (last > rev) rev = last;
        if (events.length > 0 || skipped.length > 0) {
          yield { kind: "events", events, revision: rev, skipped };
        }
      }
    } finally {
      await cancel(w);
    }
    if (signal.aborted) return;
    if (lost++ > 0) await systemClock.sleep(ctx.backoffMs(lost), signal);
    const l = await relist(ctx, signal);
    if (l === null) return;
    yield { kind: "snapshot", leases: l.leases, revision: l.revision, skipped: l.skipped };
    rev = l.revision;
  }
}
