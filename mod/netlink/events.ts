/**
 * rtnetlink event subscriptions: link, address, route and neighbour notifications as an
 * async iterator, with overflow reported so the consumer can resync with a dump.
 *
 * Design notes: a pump loop waits for the socket off-thread (`wait`, ≤ `pollMs`), drains it
 * synchronously, and queues decoded events; `next()` hands them out. The pump, not the
 * consumer, owns the socket, so `close()` (or the AbortSignal, or `break` in `for await`) takes
 * effect within one `pollMs` even when no event ever arrives, and the socket is closed only
 * after the pending wait returned (never under a running poll). ENOBUFS from the kernel, or
 * a queue past `maxQueue`, becomes one `{kind: "overflow"}` event: some events were lost,
 * dump and diff. A message that does not decode ends the iteration with that error.
 */
import { Reader } from "./codec/bytes.ts";
import * as K from "./codec/consts.ts";
import { forEachMessage } from "./codec/header.ts";
import { decodeBody, type ObjectMessage } from "./codec/message.ts";
import { isErrno } from "./errors.ts";
import { NetlinkSocket } from "./socket.ts";

/** Which notifications to receive. */
export type EventGroup = "link" | "addr" | "route" | "neigh";

/** The RTNLGRP_* groups of each {@linkcode EventGroup} (IPv4 and IPv6 where both exist). */
export const EVENT_GROUPS: Readonly<Record<EventGroup, readonly number[]>> = {
  link: [K.RTNLGRP_LINK],
  addr: [K.RTNLGRP_IPV4_IFADDR, K.RTNLGRP_IPV6_IFADDR],
  route: [K.RTNLGRP_IPV4_ROUTE, K.RTNLGRP_IPV6_ROUTE],
  neigh: [K.RTNLGRP_NEIGH],
};

/** A notification (`type` is RTM_NEW* or RTM_DEL*), or word that some were lost. */
export type RtEvent = ObjectMessage | { kind: "overflow" };

/** What a subscription needs from a socket. */
export interface EventTransport {
  /** Resolves true when readable, false after `timeoutMs`. Runs off the JS thread. */
  wait(timeoutMs: number): Promise<boolean>;
  /** One datagram, or 0 when none is queued. Throws NetlinkError ENOBUFS after an overflow. */
  recv(buf: Uint8Array): number;
  close(): void;
}

/** Options of {@linkcode Subscription}. */
export interface SubscriptionOptions {
  /** Ends the subscription when aborted. */
  signal?: AbortSignal;
  /** Longest wait before re-checking for close (default 250 ms). */
  pollMs?: number;
  /** Queued events beyond which the queue is dropped for one overflow (default 100000). */
  maxQueue?: number;
}

const DRAIN_MAX = 1024;

/** A running subscription; iterate it with `for await`, end it with `close()`. */
export class Subscription implements AsyncIterableIterator<RtEvent> {
  readonly #t: EventTransport;
  readonly #buf = new Uint8Array(65536);
  readonly #pollMs: number;
  readonly #maxQueue: number;
  readonly #queue: RtEvent[] = [];
  #head = 0;
  #stopping = false;
  #finished = false;
  #error: unknown = undefined;
  #wake: (() => void) | undefined;
  readonly #loop: Promise<void>;

  constructor(transport: EventTransport, opts: SubscriptionOptions = {}) {
    this.#t = transport;
    this.#pollMs = opts.pollMs ?? 250;
    this.#maxQueue = opts.maxQueue ?? 100_000;
    const signal = opts.signal;
    const onAbort = () => void this.close();
    if (signal?.aborted) this.#stopping = true;
    signal?.addEventListener("abort", onAbort, { once: true });
    this.#loop = this.#pump().finally(() => signal?.removeEventListener("abort", onAbort));
  }

  async #pump(): Promise<void> {
    try {
      while (!this.#stopping) {
        if (await this.#t.wait(this.#pollMs)) this.#drain();
      }
    } catch (e) {
      this.#error = e;
    } finally {
      this.#t.close();
      this.#finished = true;
      this.#notify();
    }
  }

  #drain(): void {
    for (let i = 0; i < DRAIN_MAX && !this.#stopping; i++) {
      let n: number;
      try {
        n = this.#t.recv(this.#buf);
      } catch (e) {
        if (!isErrno(e, "ENOBUFS")) throw e;
        this.#push({ kind: "overflow" });
        continue;
      }
      if (n === 0) break;
      const r = new Reader(this.#buf.subarray(0, n));
      forEachMessage(r, n, (h, off, at) => {
        const m = decodeBody(r, h, off, at + h.len);
        if (m.kind === "link" || m.kind === "addr" || m.kind === "route" || m.kind === "neigh") {
          this.#push(m);
        }
      });
    }
    this.#notify();
  }

  #push(ev: RtEvent): void {
    if (this.#queue.length - this.#head >= this.#maxQueue) {
      this.#queue.length = 0;
      this.#head = 0;
      ev = { kind: "overflow" };
    }
    this.#queue.push(ev);
  }

  #notify(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  /** The next event; `done` once closed and drained. Rejects if the pump failed. */
  async next(): Promise<IteratorResult<RtEvent, undefined>> {
    for (;;) {
      if (this.#head < this.#queue.length) {
        const value = this.#queue[this.#head++]!;
        if (this.#head === this.#queue.length) this.#queue.length = this.#head = 0;
        return { value, done: false };
      }
      if (this.#error !== undefined) {
        const e = this.#error;
        this.#error = undefined;
        throw e;
      }
      if (this.#finished) return { value: undefined, done: true };
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  /** Called by `break` in `for await`: closes the subscription. */
  async return(): Promise<IteratorResult<RtEvent, undefined>> {
    await this.close();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Stops receiving and closes the socket; resolves within one `pollMs`. Idempotent. */
  close(): Promise<void> {
    this.#stopping = true;
    return this.#loop;
  }
}

/** Options of {@linkcode subscribe}. */
export interface SubscribeOptions extends SubscriptionOptions {
  /** Subscribe inside this netns (`/var/run/netns/<name>`, `/proc/<pid>/ns/net`). */
  netns?: string;
  /** Socket receive buffer (default 8 MiB: a 10k-entry burst fits). */
  rcvbufBytes?: number;
}

/**
 * Subscribes to `groups` (like `ip monitor link address route neigh`).
 *
 * @example
 * ```ts
 * const sub = subscribe(["link"], { signal });
 * for await (const ev of sub) {
 *   if (ev.kind === "overflow") resync();
 *   else if (ev.kind === "link" && ev.type === RTM_DELLINK) onDeleted(ev.body);
 * }
 * ```
 */
export function subscribe(
  groups: readonly EventGroup[],
  opts: SubscribeOptions = {},
): Subscription {
  const sock = NetlinkSocket.open({
    groups: groups.flatMap((g) => EVENT_GROUPS[g]),
    nonblocking: true,
    rcvbufBytes: opts.rcvbufBytes ?? 8 << 20,
    ...(opts.netns === undefined ? {} : { netns: opts.netns }),
  });
  return new Subscription(sock, opts);
}
