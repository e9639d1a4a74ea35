import { assert, assertEquals, assertThrows } from "../../harness/assert.ts";
import { parseCIDR, parseIP } from "../../../mod/ip/mod.ts";
import * as K from "../../../mod/netlink/codec/consts.ts";
import type { Request } from "../../../mod/netlink/codec/message.ts";
import { Conn } from "../../../mod/netlink/conn.ts";
import { NetlinkError } from "../../../mod/netlink/errors.ts";
import { linkBody, linkDump, linkGet, linkSet } from "../../../mod/netlink/ops/link.ts";
import { neighReplace } from "../../../mod/netlink/ops/neigh.ts";
import { routeReplace } from "../../../mod/netlink/ops/route.ts";
import { FakeKernel } from "./fake_kernel.ts";

const neigh = (i: number, index = 6): Request =>
  neighReplace({ index, dst: parseIP(`10.244.${i >> 8}.${i & 255}`), lladdr: "0e:aa:00:00:00:01" });

Deno.test("exec() sends one message with NLM_F_ACK and returns on the ACK", () => {
  const k = new FakeKernel();
  const c = new Conn(k, { firstSeq: 7 });
  c.exec(linkSet(6, { up: true }));
  assertEquals(k.sent.length, 1);
  assertEquals([k.sent[0]!.seq, k.sent[0]!.flags & K.NLM_F_ACK], [7, K.NLM_F_ACK]);
  assertEquals(k.queue.length, 0);
});

Deno.test("exec() throws NetlinkError with errno name, iproute2 op and extended ACK", () => {
  const k = new FakeKernel(() => ({
    errno: 17,
    extAck: "A VXLAN device with the specified VNI already exists",
  }));
  const e = assertThrows(() => new Conn(k).exec(linkSet("vx0", { mtu: 1400 })), NetlinkError);
  assertEquals([e.errno, e.op, e.extAck], [
    "EEXIST",
    "ip link set dev vx0 mtu 1400",
    "A VXLAN device with the specified VNI already exists",
  ]);
});

Deno.test("replies with a stale sequence number are skipped", () => {
  const k = new FakeKernel();
  const c = new Conn(k, { firstSeq: 10 });
  k.push([k.ack({ ...linkGet(1), seq: 3, pid: 0 })]);
  c.exec(linkSet(6, { up: true }));
  assertEquals(k.queue.length, 0);
});

Deno.test("a socket failure is reported against the operation", () => {
  const k = new FakeKernel(() => ({}));
  k.handler = () => {
    k.failRecv = 105;
  };
  const e = assertThrows(() => new Conn(k).exec(linkSet(6, { up: false })), NetlinkError);
  assertEquals([e.errno, e.op], ["ENOBUFS", "ip link set dev #6 down"]);
  assert(e.cause instanceof NetlinkError);
});

Deno.test("get() returns the one object and dump() collects parts until NLMSG_DONE", () => {
  const links = [1, 2, 3, 4, 5].map((index) => linkBody({ index, name: `l${index}` }));
  const k = new FakeKernel((
    m,
  ) => (m.type === K.RTM_GETLINK ? { objects: m.flags & K.NLM_F_DUMP ? links : [links[1]!] } : {}));
  const c = new Conn(k);
  assertEquals(c.get(linkGet("l2")), links[1]);
  assertEquals(c.dump(linkDump()), links);
  assertEquals(k.queue.length, 0);
});

Deno.test("get() and dump() surface kernel errors", () => {
  const c = new Conn(new FakeKernel(() => ({ errno: 19 })));
  assertEquals(assertThrows(() => c.get(linkGet("nope")), NetlinkError).op, "ip link get dev nope");
  assertEquals(assertThrows(() => c.dump(linkDump()), NetlinkError).errno, "ENODEV");
});

Deno.test("an interrupted dump (NLM_F_DUMP_INTR) is retried, then returned", () => {
  let calls = 0;
  const k = new FakeKernel(() => ({ objects: [linkBody({ index: 1 })], interrupted: ++calls < 3 }));
  assertEquals(new Conn(k).dump(linkDump()).length, 1);
  assertEquals(calls, 3);
  calls = -100;
  assertEquals(new Conn(k).dump(linkDump()).length, 1);
  assertEquals(calls, -96, "gives up after 3 retries");
});

Deno.test("dumpEach() hands over each object in order, keeps none, says when interrupted", () => {
  const links = [1, 2, 3].map((index) => linkBody({ index, name: `l${index}` }));
  let interrupted = false;
  const k = new FakeKernel(() => ({ objects: links, interrupted }));
  const c = new Conn(k);
  const seen: number[] = [];
  assertEquals(c.dumpEach(linkDump(), (l) => seen.push(l.index)), true);
  assertEquals(seen, [1, 2, 3]);
  interrupted = true;
  assertEquals(c.dumpEach(linkDump(), () => {}), false, "not retried: objects were handed over");
  assertEquals(k.queue.length, 0);
});

Deno.test("batch() packs batchSize messages per sendto with NLM_F_ACK on the last only", () => {
  const k = new FakeKernel();
  const reqs = Array.from({ length: 300 }, (_, i) => neigh(i));
  const out = new Conn(k, { batchSize: 128 }).batch(reqs);
  assertEquals(out, new Array(300).fill(null));
  assertEquals(k.sendSizes, [128, 128, 44]);
  const acked = k.sent.map((m, i) => (m.flags & K.NLM_F_ACK ? i : -1)).filter((i) => i >= 0);
  assertEquals(acked, [127, 255, 299]);
  assertEquals(k.sent.map((m) => m.seq), reqs.map((_, i) => i + 1));
});

Deno.test("batch() attributes each failure to its own message", () => {
  const k = new FakeKernel((
    m,
  ) => (m.kind === "neigh" && m.body.index === 999 ? { errno: 19 } : {}));
  const reqs = Array.from({ length: 10 }, (_, i) => neigh(i, i === 4 || i === 9 ? 999 : 6));
  const out = new Conn(k, { batchSize: 4 }).batch(reqs);
  assertEquals(out.map((e) => e?.errno ?? null), [
    null,
    null,
    null,
    null,
    "ENODEV",
    null,
    null,
    null,
    null,
    "ENODEV",
  ]);
  assertEquals(out[4]!.op, "ip neigh replace 10.244.0.4 lladdr 0e:aa:00:00:00:01 dev #999");
});

Deno.test("batch() fails the requests a socket error left unknown, keeping known failures", () => {
  const k = new FakeKernel();
  const c = new Conn(k, { batchSize: 3 });
  k.handler = (m) => {
    if (m.seq === 2) return { errno: 22 };
    if (m.seq === 3) {
      k.failRecv = 105;
      k.failAfter = k.queue.length;
    }
  };
  const out = c.batch([neigh(1), neigh(2), neigh(3), neigh(4)]);
  assertEquals(out.map((e) => e?.errno ?? null), ["ENOBUFS", "EINVAL", "ENOBUFS", null]);
});

Deno.test("batch() handles sequence numbers wrapping past 2^32", () => {
  const k = new FakeKernel((m) => (m.seq === 0 ? { errno: 22 } : {}));
  const out = new Conn(k, { firstSeq: 0xffffffff, batchSize: 8 }).batch([
    neigh(1),
    neigh(2),
    neigh(3),
  ]);
  assertEquals(out.map((e) => e?.errno ?? null), [null, "EINVAL", null]);
  assertEquals(k.sent.map((m) => m.seq), [0xffffffff, 0, 1]);
});

Deno.test("batch() accepts requests built without NLM_F_ACK and of mixed kinds", () => {
  const k = new FakeKernel();
  const r = routeReplace({
    dst: parseCIDR("10.244.1.0/24"),
    gateway: parseIP("10.244.1.0"),
    oif: 6,
    onlink: true,
  });
  const bare = {
    ...neigh(1),
    flags: K.NLM_F_REQUEST | K.NLM_F_CREATE | K.NLM_F_REPLACE,
  } as Request;
  assertEquals(new Conn(k).batch([bare, r]), [null, null]);
  assertEquals(k.sent.map((m) => m.flags & K.NLM_F_ACK), [0, K.NLM_F_ACK]);
  assertEquals(new Conn(k).batch([]), []);
});

Deno.test("close() closes the transport", () => {
  const k = new FakeKernel();
  new Conn(k).close();
  assert(k.closed);
});
