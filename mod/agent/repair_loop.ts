/**
 * Event-driven repair: rtnetlink notifications of the agent's namespace → the pure
 * {@linkcode RepairTrigger} → an early full pass of the reconciler. A deleted `flannel.1`, or a
 * route, neighbour or FDB entry someone removed, comes back within the trigger's debounce
 * instead of at the next periodic pass (upstream recreates only the device, and replays no
 * entries).
 *
 * Design notes: this file is the thin wiring; what matters is decided by the trigger, and the
 * pass is run by the reconciler's own loop ({@linkcode Reconciler.requestPass}), so passes stay
 * one at a time and a repair pass resets the periodic timer. It starts after the initial sync
 * (the pass needs the first lease snapshot, and our own initial writes would flood the
 * subscription), and ends with the agent's signal: the subscription closes within its poll
 * interval. A failed subscription is retried with backoff (1 s → 30 s, as upstream's device
 * watcher), with a pass when events may have been missed; the periodic pass covers the gap.
 */
import type { Clock } from "../clock.ts";
import { errorText } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { RtEvent } from "../netlink/events.ts";
import type { Reconciler } from "../reconcile/reconciler.ts";
import { type LinkState, type RepairCause, RepairTrigger } from "../reconcile/trigger.ts";
import { RETRY_INTERVAL_MS } from "./retry.ts";

/** Longest wait between attempts to subscribe (upstream's device watcher backs off to 30 s). */
const MAX_RETRY_MS = 30_000;

/** The kernel's notifications, as the repair loop reads them. */
export interface KernelEvents {
  /** Link, route and neighbour notifications until `signal` aborts (`ip monitor`). */
  subscribe(signal: AbortSignal): AsyncIterable<RtEvent>;
  /** Every link now (taken after subscribing, and again after lost events). */
  links(): Promise<LinkState[]>;
}

export interface RepairLoopDeps {
  events: KernelEvents;
  reconciler: Pick<Reconciler, "wanted" | "requestPass">;
  /** Devices the backend owns (`Prepared.devices`). */
  devices(): readonly string[];
  clock: Clock;
  logger: Logger;
  signal: AbortSignal;
  debounceMs?: number;
  minGapMs?: number;
}

function causeText(c: RepairCause): string {
  return c.reasons.join(", ") + (c.more > 0 ? ` and ${c.more} more` : "");
}

/** Runs until `signal` aborts; never throws. */
export async function repairLoop(d: RepairLoopDeps): Promise<void> {
  const trigger = new RepairTrigger(
    { devices: d.devices, wanted: (e) => d.reconciler.wanted(e) },
    {
      ...(d.debounceMs === undefined ? {} : { debounceMs: d.debounceMs }),
      ...(d.minGapMs === undefined ? {} : { minGapMs: d.minGapMs }),
    },
  );
  let timer: Promise<void> | null = null;
  const arm = () => {
    const at = trigger.dueAt();
    if (timer !== null || at === null) return;
    timer = d.clock.sleep(Math.max(0, at - d.clock.now()), d.signal).then(() => {
      timer = null;
      if (d.signal.aborted) return;
      const cause = trigger.take(d.clock.now());
      d.logger.info(`Kernel state changed: ${causeText(cause)}; running a full reconcile`);
      d.reconciler.requestPass();
    });
  };
  let backoff = RETRY_INTERVAL_MS;
  while (!d.signal.aborted) {
    let subscribed = false;
    try {
      await follow(d, trigger, arm, () => (subscribed = true));
    } catch (err) {
      if (d.signal.aborted) break;
      d.logger.warn(
        `Cannot watch kernel events: ${errorText(err)} (retrying in ${backoff / 1000}s)`,
      );
      if (subscribed) d.reconciler.requestPass(); // events may have been missed
    }
    await d.clock.sleep(backoff, d.signal);
    backoff = subscribed ? RETRY_INTERVAL_MS : Math.min(MAX_RETRY_MS, backoff * 2);
  }
  await timer;
}

/** One subscription: feeds the trigger until it ends; closes it on every way out. */
async function follow(
  d: RepairLoopDeps,
  trigger: RepairTrigger,
  arm: () => void,
  started: () => void,
): Promise<void> {
  const it = d.events.subscribe(d.signal)[Symbol.asyncIterator]();
  try {
    trigger.reset(await d.events.links());
    started();
    for (let r = await it.next(); r.done !== true; r = await it.next()) {
      const why = trigger.update(r.value, d.clock.now());
      if (r.value.kind === "overflow") trigger.reset(await d.events.links());
      if (why !== null) arm();
    }
  } finally {
    await it.return?.();
  }
}
