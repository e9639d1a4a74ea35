/**
 * When a change someone else made to the kernel calls for an early full pass: a small pure
 * state machine fed rtnetlink events (links, routes, neighbours), answering "when should the
 * next repair pass start?". The periodic pass stays the safety net; this only makes it early.
 *
 * Design notes:
 * - An event matters when it undoes something we keep: a flannel device deleted or brought
 *   down, a desired route, neighbour or FDB entry deleted, or one under a desired key changed
 *   (a neighbour that is no longer permanent counts as changed).
 *   Everything else is ignored, and that is what ends the loop: our own passes only delete
 *   entries nobody wants, create devices (first seen down, so no up → down edge; the up state
 *   is tracked per ifindex) and write entries equal to the desired ones, so the events they
 *   cause never ask for another pass.
 * - Time is passed in. The first relevant event schedules a pass `debounceMs` later, so a
 *   burst (a deleted device takes its entries with it) costs one pass; passes start at least
 *   `minGapMs` apart, so a storm costs at most one pass per gap.
 * - Lost events (overflow) ask for a pass too; the caller then re-reads the links ({@linkcode
 *   RepairTrigger.reset}), as the ifindex → name map may have missed a change.
 * - Bridge-port link messages (AF_BRIDGE) describe port state, not the device: ignored.
 */
import * as K from "../netlink/codec/consts.ts";
import type { RtEvent } from "../netlink/events.ts";
import { describeEntry, type Entry, sameEntry } from "./entries.ts";
import { observeNeigh, observeRoute } from "./netlink_map.ts";

/** A link as the trigger tracks it. */
export interface LinkState {
  index: number;
  name: string;
  up: boolean;
}

/** What the trigger asks of the reconciler's state. */
export interface TriggerView {
  /** Devices flannel owns: deleting one or bringing it down calls for a pass. */
  devices(): readonly string[];
  /** The desired entry under `e`'s key, if any. */
  wanted(e: Entry): Entry | undefined;
}

/** Delay from the first relevant event to the pass (a burst costs one pass). */
export const REPAIR_DEBOUNCE_MS = 150;
/** Shortest time between the starts of two repair passes. */
export const REPAIR_MIN_GAP_MS = 500;
/** Reasons kept per pass for the log line. */
const MAX_REASONS = 3;

/** Why a pass is due: the first few reasons and how many more there were. */
export interface RepairCause {
  reasons: string[];
  more: number;
}

export class RepairTrigger {
  readonly #view: TriggerView;
  readonly #debounceMs: number;
  readonly #minGapMs: number;
  readonly #names = new Map<number, string>();
  readonly #up = new Map<number, boolean>();
  #since: number | null = null;
  #lastStart = -Infinity;
  #cause: RepairCause = { reasons: [], more: 0 };

  constructor(view: TriggerView, opts: { debounceMs?: number; minGapMs?: number } = {}) {
    this.#view = view;
    this.#debounceMs = opts.debounceMs ?? REPAIR_DEBOUNCE_MS;
    this.#minGapMs = opts.minGapMs ?? REPAIR_MIN_GAP_MS;
  }

  /** Replaces the known links with a fresh snapshot; a pending pass stays pending. */
  reset(links: Iterable<LinkState>): void {
    this.#names.clear();
    this.#up.clear();
    for (const l of links) {
      this.#names.set(l.index, l.name);
      this.#up.set(l.index, l.up);
    }
  }

  /** Feeds one event received at `now`; returns why it calls for a pass, or null. */
  update(ev: RtEvent, now: number): string | null {
    let why: string | null;
    if (ev.kind === "overflow") why = "kernel events were lost";
    else if (ev.kind === "link") why = this.#link(ev.type, ev.body);
    else if (ev.kind === "route" || ev.kind === "neigh") why = this.#entry(ev);
    else why = null;
    if (why === null) return null;
    this.#since ??= now;
    const reasons = this.#cause.reasons;
    // Device reasons first: they say the most (a deleted device takes its entries with it).
    if (ev.kind === "link") reasons.unshift(why);
    else reasons.push(why);
    if (reasons.length > MAX_REASONS) {
      reasons.pop();
      this.#cause.more++;
    }
    return why;
  }

  /** When the next pass should start; null when none is called for. */
  dueAt(): number | null {
    if (this.#since === null) return null;
    return Math.max(this.#since + this.#debounceMs, this.#lastStart + this.#minGapMs);
  }

  /** A pass starts at `now`: returns what called for it and clears it. */
  take(now: number): RepairCause {
    const cause = this.#cause;
    this.#cause = { reasons: [], more: 0 };
    this.#since = null;
    this.#lastStart = now;
    return cause;
  }

  #link(type: number, l: { family: number; index: number; flags: number; name?: string }) {
    if (l.family === K.AF_BRIDGE) return null;
    const name = l.name ?? this.#names.get(l.index);
    if (name === undefined) return null;
    const owned = this.#view.devices().includes(name);
    if (type === K.RTM_DELLINK) {
      this.#names.delete(l.index);
      this.#up.delete(l.index);
      return owned ? `device "${name}" deleted` : null;
    }
    const wasUp = this.#up.get(l.index);
    const up = (l.flags & K.IFF_UP) !== 0;
    this.#names.set(l.index, name);
    this.#up.set(l.index, up);
    return owned && wasUp === true && !up ? `device "${name}" went down` : null;
  }

  #entry(ev: Extract<RtEvent, { kind: "route" | "neigh" }>): string | null {
    if (ev.kind === "neigh" && ev.body.lladdr === undefined) return this.#failedNeigh(ev);
    const o = ev.kind === "route"
      ? observeRoute(ev.body, this.#names)
      : observeNeigh(ev.body, this.#names);
    if (o === null) return null;
    const want = this.#view.wanted(o.entry);
    if (want === undefined) return null;
    const same = sameEntry(o.entry, want);
    if (ev.type === K.RTM_DELROUTE || ev.type === K.RTM_DELNEIGH) {
      return same ? `${describeEntry(want)} deleted` : null;
    }
    return same && o.permanent !== false ? null : `${describeEntry(want)} changed`;
  }

  /**
   * `ip neigh del` marks the neighbour FAILED, then deletes it; neither notification carries
   * the MAC (only valid states do), so the key (device and address) decides.
   */
  #failedNeigh(ev: Extract<RtEvent, { kind: "neigh" }>): string | null {
    const { body } = ev;
    const dev = this.#names.get(body.index);
    if (dev === undefined || body.dst === undefined || body.family === K.AF_BRIDGE) return null;
    const want = this.#view.wanted({ kind: "neigh", dev, ip: body.dst, mac: "" });
    if (want === undefined) return null;
    return `${describeEntry(want)} ${ev.type === K.RTM_DELNEIGH ? "deleted" : "changed"}`;
  }
}
