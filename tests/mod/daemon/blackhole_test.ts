import {
  type BlackholePort,
  ensureBlackholes,
  keepBlackholes,
  netlinkBlackholes,
} from "../../../mod/daemon/blackhole.ts";
import { type Family, IPNet, parseCIDR } from "../../../mod/ip/mod.ts";
import { createLogger } from "../../../mod/log.ts";
import * as K from "../../../mod/netlink/codec/consts.ts";
import type { Route } from "../../../mod/netlink/codec/route.ts";
import type { ObjectMessage } from "../../../mod/netlink/codec/message.ts";
import { Conn } from "../../../mod/netlink/conn.ts";
import { Rtnl } from "../../../mod/netlink/rtnl.ts";
import { FakeKernel } from "../netlink/fake_kernel.ts";
import { assertEquals } from "../../harness/assert.ts";
import { FakeClock } from "../../harness/fake_clock.ts";

/** An in-memory routing table holding blackhole destinations. */
class FakePort implements BlackholePort {
  readonly routes: IPNet[] = [];
  readonly added: string[] = [];
  failAdd: Error | null = null;
  blackholes(family: Family): Promise<IPNet[]> {
    return Promise.resolve(this.routes.filter((r) => r.family === family));
  }
  add(dst: IPNet): Promise<void> {
    if (this.failAdd) return Promise.reject(this.failAdd);
    this.routes.push(dst);
    this.added.push(dst.toString());
    return Promise.resolve();
  }
}

function logSink() {
  const lines: string[] = [];
  return { lines, log: createLogger({ write: (l) => lines.push(l.trimEnd()) }) };
}

Deno.test("ensureBlackholes() adds only the missing routes, both families", async () => {
  const port = new FakePort();
  port.routes.push(parseCIDR("fd00:1::/64"));
  const { lines, log } = logSink();
  await ensureBlackholes(port, [parseCIDR("10.244.3.0/24"), parseCIDR("fd00:1::/64")], log);
  assertEquals(port.added, ["10.244.3.0/24"]);
  await ensureBlackholes(port, [parseCIDR("10.244.3.0/24"), parseCIDR("fd00:1::/64")], log);
  assertEquals(port.added, ["10.244.3.0/24"], "present routes are not added again");
  assertEquals(lines.length, 1);
  assertEquals(lines[0]!.split("] ")[1], "Added blackhole route for 10.244.3.0/24");
});

Deno.test("ensureBlackholes() logs a failure and goes on with the next subnet", async () => {
  const port = new FakePort();
  port.failAdd = new Error("EEXIST");
  const { lines, log } = logSink();
  await ensureBlackholes(port, [parseCIDR("10.244.3.0/24"), parseCIDR("fd00:1::/64")], log);
  assertEquals(lines.map((l) => l.split("] ")[1]), [
    "Failed to setup blackhole route for 10.244.3.0/24: EEXIST",
    "Failed to setup blackhole route for fd00:1::/64: EEXIST",
  ]);
});

Deno.test("keepBlackholes() first checks one period after start, then every period", async () => {
  const port = new FakePort();
  const clock = new FakeClock();
  const ctl = new AbortController();
  const loop = keepBlackholes({
    port,
    subnets: [parseCIDR("10.244.3.0/24")],
    periodMs: 5000,
    clock,
    log: logSink().log,
    signal: ctl.signal,
  });
  await clock.tick(4999);
  assertEquals(port.added, []);
  await clock.tick(1);
  assertEquals(port.added, ["10.244.3.0/24"]);
  port.routes.length = 0; // someone deleted it
  await clock.tick(5000);
  assertEquals(port.added, ["10.244.3.0/24", "10.244.3.0/24"]);
  ctl.abort();
  await loop;
});

Deno.test("netlinkBlackholes() reads blackholes of table main and sends `ip route add blackhole`", async () => {
  const sent: ObjectMessage[] = [];
  const route = (dst: string, type: number, table: number): Route => ({
    family: K.AF_INET,
    dst: parseCIDR(dst),
    tos: 0,
    rtmTable: table,
    protocol: K.RTPROT_BOOT,
    scope: 0,
    type,
    flags: 0,
    table,
  });
  const kernel = new FakeKernel((m) => {
    if (m.type !== K.RTM_GETROUTE) {
      sent.push(m);
      return;
    }
    const family = (m.body as Route).family;
    return {
      objects: family === K.AF_INET
        ? [
          route("10.244.3.0/24", K.RTN_BLACKHOLE, K.RT_TABLE_MAIN),
          route("10.244.4.0/24", K.RTN_BLACKHOLE, 100),
          route("10.244.5.0/24", K.RTN_UNICAST, K.RT_TABLE_MAIN),
        ]
        : [],
    };
  });
  const port = netlinkBlackholes(new Rtnl(new Conn(kernel)));
  assertEquals((await port.blackholes(4)).map(String), ["10.244.3.0/24"]);
  assertEquals(await port.blackholes(6), []);
  await port.add(parseCIDR("10.244.9.0/24"));
  assertEquals(sent.length, 1);
  const body = sent[0]!.body as Route;
  assertEquals(
    [sent[0]!.type, body.type, body.rtmTable, body.protocol, String(body.dst)],
    [K.RTM_NEWROUTE, K.RTN_BLACKHOLE, K.RT_TABLE_MAIN, K.RTPROT_BOOT, "10.244.9.0/24"],
  );
  assertEquals(sent[0]!.flags & K.NLM_F_EXCL, K.NLM_F_EXCL, "add, not replace");
});
