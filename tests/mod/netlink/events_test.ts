import { assert, assertEquals, assertRejects } from "../../harness/assert.ts";
import { Writer } from "../../../mod/netlink/codec/bytes.ts";
import * as K from "../../../mod/netlink/codec/consts.ts";
import { encodeMessage, type Message } from "../../../mod/netlink/codec/message.ts";
import { NetlinkDecodeError, NetlinkError } from "../../../mod/netlink/errors.ts";
import {
  EVENT_GROUPS,
  type EventTransport,
  type RtEvent,
  Subscription,
} from "../../../mod/netlink/events.ts";
import { linkBody } from "../../../mod/netlink/ops/link.ts";

/** Datagrams (or errnos) handed out by `recv`; `wait` resolves when some are queued. */
class FakeEvents implements EventTransport {
  readonly queue: (Uint8Array | number)[] = [];
  closed = false;
  waits = 0;
  #ready: (() => void) | undefined;

  wait(timeoutMs: number): Promise<boolean> {
    this.waits++;
    if (this.queue.length) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      this.#ready = () => {
        clearTimeout(t);
        resolve(true);
      };
    });
  }

  recv(buf: Uint8Array): number {
    const d = this.queue.shift();
    if (d === undefined) return 0;
    if (typeof d === "number") throw new NetlinkError(d, "recvfrom netlink socket");
    buf.set(d);
    return d.length;
  }

  /** Queues one datagram with `ms` (or an errno) and wakes a pending wait. */
  deliver(item: Message[] | number): void {
    if (typeof item === "number") this.queue.push(item);
    else {
      const w = new Writer();
      for (const m of item) encodeMessage(w, m);
      this.queue.push(w.bytes().slice());
    }
    this.#ready?.();
    this.#ready = undefined;
  }

  close(): void {
    this.closed = true;
  }
}

const linkEvent = (type: number, index: number): Message => ({
  kind: "link",
  type,
  flags: 0,
  seq: 0,
  pid: 0,
  body: linkBody({ index, name: `v${index}` }),
});

async function take(sub: Subscription, n: number): Promise<RtEvent[]> {
  const out: RtEvent[] = [];
  for await (const ev of sub) {
    out.push(ev);
    if (out.length === n) break;
  }
  return out;
}

Deno.test("events arrive in order, several per datagram", async () => {
  const t = new FakeEvents();
  const sub = new Subscription(t, { pollMs: 20 });
  t.deliver([linkEvent(K.RTM_NEWLINK, 1), linkEvent(K.RTM_DELLINK, 1)]);
  setTimeout(() => t.deliver([linkEvent(K.RTM_NEWLINK, 2)]), 5);
  const got = await take(sub, 3);
  assertEquals(got.map((e) => (e.kind === "link" ? [e.type, e.body.index] : e.kind)), [[16, 1], [
    17,
    1,
  ], [16, 2]]);
  assert(t.closed, "break closed the socket");
});

Deno.test("ENOBUFS becomes an overflow event and the stream goes on", async () => {
  const t = new FakeEvents();
  const sub = new Subscription(t, { pollMs: 20 });
  t.deliver(105);
  t.deliver([linkEvent(K.RTM_NEWLINK, 3)]);
  const got = await take(sub, 2);
  assertEquals(got.map((e) => e.kind), ["overflow", "link"]);
});

Deno.test("a queue past maxQueue is dropped for one overflow", async () => {
  const t = new FakeEvents();
  const sub = new Subscription(t, { pollMs: 20, maxQueue: 2 });
  t.deliver([1, 2, 3].map((i) => linkEvent(K.RTM_NEWLINK, i)));
  await new Promise((r) => setTimeout(r, 30));
  const got = await take(sub, 1);
  assertEquals(got[0]!.kind, "overflow");
  await sub.close();
});

Deno.test("close() ends an idle subscription within one poll interval", async () => {
  const t = new FakeEvents();
  const sub = new Subscription(t, { pollMs: 30 });
  const pending = sub.next();
  const t0 = performance.now();
  await sub.close();
  assert(performance.now() - t0 < 200);
  assertEquals(await pending, { value: undefined, done: true });
  assert(t.closed);
  await sub.close();
});

Deno.test("an AbortSignal ends the subscription (also when already aborted)", async () => {
  const t = new FakeEvents();
  const ac = new AbortController();
  const sub = new Subscription(t, { pollMs: 20, signal: ac.signal });
  setTimeout(() => ac.abort(), 10);
  assertEquals(await take(sub, 1), []);
  const sub2 = new Subscription(new FakeEvents(), { pollMs: 20, signal: AbortSignal.abort() });
  assertEquals((await sub2.next()).done, true);
});

Deno.test("an undecodable message ends the iteration with the decode error", async () => {
  const t = new FakeEvents();
  const sub = new Subscription(t, { pollMs: 20 });
  t.queue.push(Uint8Array.of(8, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
  await assertRejects(() => sub.next(), NetlinkDecodeError, "Message length 8");
  assertEquals((await sub.next()).done, true);
});

Deno.test("EVENT_GROUPS covers IPv4 and IPv6 for addresses and routes", () => {
  assertEquals(EVENT_GROUPS.route, [K.RTNLGRP_IPV4_ROUTE, K.RTNLGRP_IPV6_ROUTE]);
  assertEquals(EVENT_GROUPS.addr.length, 2);
});
