/**
 * A {@linkcode FakeKernel} that also sends rtnetlink notifications the way the kernel does
 * (checked against `ip monitor link route neigh` on the real one): a change emits an event, a
 * write that changes nothing emits none, a created device shows up down and then up, a
 * deleted device drops its FDB entries, goes down, drops its neighbours (one event each; IPv4
 * routes go silently) and is then deleted, and `ip neigh del` marks the neighbour FAILED
 * before deleting it, without its MAC. Changes "by someone else" go through {@linkcode
 * EventedKernel.foreignDelete} and {@linkcode EventedKernel.deleteLink}; the reconciler's go
 * through `apply` and the DeviceOps. Also event builders for table tests.
 */
import type { LinkInfo, VxlanSpec } from "../../backends/contract.ts";
import type { KernelEvents } from "../../mod/agent/repair_loop.ts";
import * as K from "../../mod/netlink/codec/consts.ts";
import { linkBody } from "../../mod/netlink/ops/link.ts";
import type { RtEvent } from "../../mod/netlink/events.ts";
import { type Observed, type Op, RTPROT_FLANNEL } from "../../mod/reconcile/diff.ts";
import type { Scope } from "../../mod/reconcile/ownership.ts";
import { type Entry, entryKey, sameEntry } from "../../mod/reconcile/entries.ts";
import { opRequest } from "../../mod/reconcile/netlink_map.ts";
import type { LinkState } from "../../mod/reconcile/trigger.ts";
import { FakeKernel } from "./fake_kernel.ts";

/** An RTM_NEWLINK / RTM_DELLINK notification. */
export function linkEvent(
  type: number,
  index: number,
  name: string | undefined,
  up: boolean,
  family: number = K.AF_UNSPEC,
): RtEvent {
  const body = linkBody({ family, index, flags: up ? K.IFF_UP : 0 });
  if (name !== undefined) body.name = name;
  return { kind: "link", type, flags: 0, seq: 0, pid: 0, body };
}

/** The notification for an entry written (`new`) or deleted (`del`) on ifindex `index`. */
export function entryEvent(what: "new" | "del", e: Entry, index: number): RtEvent {
  const req = opRequest(
    { op: what === "new" ? "replace" : "delete", entry: e },
    index,
    RTPROT_FLANNEL,
  );
  return { ...req, flags: 0, seq: 0, pid: 0 } as RtEvent;
}

/**
 * What `ip neigh del <ip> dev <dev>` sends: RTM_NEWNEIGH in state FAILED, then RTM_DELNEIGH,
 * neither with the MAC (the kernel reports it only for valid states).
 */
export function neighDelEvents(e: Extract<Entry, { kind: "neigh" }>, index: number): RtEvent[] {
  return [K.RTM_NEWNEIGH, K.RTM_DELNEIGH].map((type) => {
    const ev = entryEvent("del", e, index) as Extract<RtEvent, { kind: "neigh" }>;
    const { lladdr: _, ...body } = ev.body;
    return { ...ev, type, body: { ...body, state: K.NUD_FAILED } };
  });
}

/** An async iterable of events fed by hand; ends when closed. */
export class EventFeed implements AsyncIterableIterator<RtEvent> {
  readonly #queue: RtEvent[] = [];
  #wake: (() => void) | undefined;
  closed = false;

  push(ev: RtEvent): void {
    this.#queue.push(ev);
    this.#wake?.();
  }

  close(): void {
    this.closed = true;
    this.#wake?.();
  }

  async next(): Promise<IteratorResult<RtEvent, undefined>> {
    for (;;) {
      const ev = this.#queue.shift();
      if (ev !== undefined) return { value: ev, done: false };
      if (this.closed) return { value: undefined, done: true };
      await new Promise<void>((r) => (this.#wake = r));
      this.#wake = undefined;
    }
  }

  return(): Promise<IteratorResult<RtEvent, undefined>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

export class EventedKernel extends FakeKernel {
  /** Open subscriptions. */
  readonly feeds = new Set<EventFeed>();
  /** Clock readings at the start of every full pass's scan. */
  readonly scans: number[] = [];
  /** Extra links (e.g. the external interface) reported by {@linkcode links}. */
  readonly others: LinkState[] = [{ index: 2, name: "eth0", up: true }];
  /** Makes the next `subscribe` calls throw. */
  failSubscribe = 0;
  readonly #now: () => number;

  constructor(now: () => number) {
    super();
    this.#now = now;
  }

  emit(ev: RtEvent): void {
    for (const f of this.feeds) f.push(ev);
  }

  /** The notifications and the link list, as the repair loop reads them. */
  readonly events: KernelEvents = {
    subscribe: (signal) => this.#subscribe(signal),
    links: () => Promise.resolve(this.linkStates()),
  };

  /** Every link as the trigger sees it. */
  linkStates(): LinkState[] {
    const ours = [...this.links.values()].map(({ index, name, up }) => ({ index, name, up }));
    return [...this.others, ...ours];
  }

  #subscribe(signal: AbortSignal): AsyncIterable<RtEvent> {
    if (this.failSubscribe > 0) {
      this.failSubscribe--;
      throw new Error("socket: EPERM");
    }
    const feed = new EventFeed();
    this.feeds.add(feed);
    const end = () => {
      feed.close();
      this.feeds.delete(feed);
    };
    if (signal.aborted) end();
    signal.addEventListener("abort", end, { once: true });
    return feed;
  }

  // --- changes and their notifications ---
  override scan(scope: Scope, visit: (o: Observed) => void): Promise<void> {
    this.scans.push(this.#now());
    return super.scan(scope, visit);
  }

  override async apply(ops: readonly Op[]): Promise<(Error | null)[]> {
    const before = ops.map((op) => this.entries.get(entryKey(op.entry))?.entry);
    const results = await super.apply(ops);
    ops.forEach((op, i) => {
      const was = before[i];
      const index = this.#index(op.entry.dev);
      if (results[i] !== null || index === undefined) return;
      if (op.op === "delete" && was !== undefined) this.emit(entryEvent("del", was, index));
      if (op.op === "replace" && (was === undefined || !sameEntry(was, op.entry))) {
        this.emit(entryEvent("new", op.entry, index));
      }
    });
    return results;
  }

  /** Someone else deletes the entry under `key` (`ip route del`, `bridge fdb del`, …). */
  foreignDelete(key: string): void {
    const o = this.entries.get(key);
    if (o === undefined) throw new Error(`no entry "${key}"`);
    this.entries.delete(key);
    const index = this.#index(o.entry.dev) ?? 0;
    if (o.entry.kind === "neigh") {
      for (const ev of neighDelEvents(o.entry, index)) {
        this.emit(ev);
      }
    } else this.emit(entryEvent("del", o.entry, index));
  }

  override async addVxlan(spec: VxlanSpec): Promise<void> {
    await super.addVxlan(spec);
    const l = this.links.get(spec.name)!;
    this.emit(linkEvent(K.RTM_NEWLINK, l.index, l.name, false));
  }

  override async setMtuUp(name: string, mtu: number): Promise<void> {
    const was = this.links.get(name);
    await super.setMtuUp(name, mtu);
    if (was !== undefined && (!was.up || was.mtu !== mtu)) {
      this.emit(linkEvent(K.RTM_NEWLINK, was.index, name, true));
    }
  }

  /** `ip link del <name>`: FDB entries deleted, down, neighbours deleted, then the link. */
  override async deleteLink(name: string): Promise<void> {
    const l: LinkInfo | undefined = this.links.get(name);
    const on = [...this.entries.values()].filter((o) => o.entry.dev === name);
    await super.deleteLink(name);
    if (l === undefined) return;
    const del = (kind: Entry["kind"]) => {
      for (const o of on) if (o.entry.kind === kind) this.emit(entryEvent("del", o.entry, l.index));
    };
    del("fdb");
    if (l.up) this.emit(linkEvent(K.RTM_NEWLINK, l.index, name, false));
    del("neigh");
    this.emit(linkEvent(K.RTM_DELLINK, l.index, name, false));
  }

  #index(dev: string): number | undefined {
    return this.links.get(dev)?.index ?? this.others.find((l) => l.name === dev)?.index;
  }
}
