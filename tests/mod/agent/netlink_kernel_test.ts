import { assert, assertEquals } from "../../harness/assert.ts";
import {
  type AnyRequest,
  NetlinkKernel,
  type RtnlConn,
} from "../../../mod/agent/netlink_kernel.ts";
import * as K from "../../../mod/netlink/codec/consts.ts";
import type { Link } from "../../../mod/netlink/codec/link.ts";
import type { Neigh } from "../../../mod/netlink/codec/neigh.ts";
import type { Route } from "../../../mod/netlink/codec/route.ts";
import { NetlinkError } from "../../../mod/netlink/errors.ts";
import { RTPROT_FLANNEL } from "../../../mod/reconcile/diff.ts";
import type { Entry } from "../../../mod/reconcile/entries.ts";
import { parseCIDR, parseIP } from "../../../mod/ip/mod.ts";

const link = (index: number, name: string): Link => ({
  family: 0,
  ifType: 1,
  index,
  flags: 1,
  change: 0,
  name,
  mtu: 1500,
});

class FakeConn implements RtnlConn {
  links: Link[] = [link(2, "eth0"), link(5, "flannel.1")];
  routes: Route[] = [];
  neighs: Neigh[] = [];
  sent: AnyRequest[][] = [];
  answer: (r: AnyRequest) => Error | null = () => null;
  dumpLinks = () => Promise.resolve(this.links);
  dumpAddrs = () => Promise.resolve([]);
  dumpRoutes = (f: number) => Promise.resolve(this.routes.filter((r) => r.family === f));
  dumpNeighs = (f: number) => Promise.resolve(this.neighs.filter((n) => n.family === f));
  eachRoute = async (f: number, fn: (r: Route) => void) => (await this.dumpRoutes(f)).forEach(fn);
  eachNeigh = async (f: number, fn: (n: Neigh) => void) => (await this.dumpNeighs(f)).forEach(fn);
  routeGet = () => Promise.reject(new Error("unreachable"));
  send(reqs: readonly AnyRequest[]) {
    this.sent.push([...reqs]);
    return Promise.resolve(reqs.map(this.answer));
  }
}

const route: Entry = {
  kind: "route",
  dst: parseCIDR("10.244.2.0/24"),
  gateway: parseIP("10.244.2.0"),
  dev: "flannel.1",
  onlink: true,
};
const scope = {
  devices: ["flannel.1"],
  networks: [parseCIDR("10.244.0.0/16")],
  protocol: RTPROT_FLANNEL,
};

Deno.test("NetlinkKernel.apply() sends one batch with resolved ifindexes", async () => {
  const conn = new FakeConn();
  const k = new NetlinkKernel(conn, RTPROT_FLANNEL, () => Promise.resolve());
  const res = await k.apply([{ op: "replace", entry: route }, {
    op: "replace",
    entry: { ...route, dev: "eth0" },
  }]);
  assertEquals(res, [null, null]);
  assertEquals(conn.sent.length, 1);
  assertEquals(conn.sent[0]!.map((r) => r.kind === "route" && r.body.oif), [5, 2]);
});

Deno.test("NetlinkKernel.apply() treats deleting a missing entry or device as success", async () => {
  const conn = new FakeConn();
  conn.answer = () => new NetlinkError(-2, "ip route del");
  const k = new NetlinkKernel(conn, RTPROT_FLANNEL, () => Promise.resolve());
  assertEquals(
    await k.apply([{ op: "delete", entry: route }, {
      op: "delete",
      entry: { ...route, dev: "gone" },
    }]),
    [null, null],
  );
  const res = await k.apply([{ op: "replace", entry: route }, {
    op: "replace",
    entry: { ...route, dev: "gone" },
  }]);
  assert(res[0] instanceof NetlinkError);
  assertEquals(res[1]?.message, 'Cannot find device "gone"');
});

Deno.test("NetlinkKernel.read() reads routes, and neighbours and FDB only of our devices", async () => {
  const conn = new FakeConn();
  conn.routes = [{
    family: K.AF_INET,
    tos: 0,
    rtmTable: K.RT_TABLE_MAIN,
    table: K.RT_TABLE_MAIN,
    protocol: RTPROT_FLANNEL,
    scope: 0,
    type: K.RTN_UNICAST,
    flags: K.RTNH_F_ONLINK,
    dst: parseCIDR("10.244.2.0/24"),
    gateway: parseIP("10.244.2.0"),
    oif: 5,
  }];
  const n = (index: number, family: number, flags = 0): Neigh => ({
    family,
    index,
    state: K.NUD_PERMANENT,
    flags,
    type: 0,
    dst: parseIP("198.18.0.2"),
    lladdr: "aa:00:00:00:00:02",
  });
  conn.neighs = [n(5, K.AF_INET), n(2, K.AF_INET), n(5, K.AF_BRIDGE, K.NTF_SELF)];
  const k = new NetlinkKernel(conn, RTPROT_FLANNEL, () => Promise.resolve());
  const got = await k.read(scope);
  assertEquals(got.map((o) => `${o.entry.kind} ${o.entry.dev}`), [
    "route flannel.1",
    "neigh flannel.1",
    "fdb flannel.1",
  ]);
});

Deno.test("NetlinkKernel device ops send the expected link and address requests", async () => {
  const conn = new FakeConn();
  const k = new NetlinkKernel(conn, RTPROT_FLANNEL, () => Promise.resolve());
  await k.setMtuUp("flannel.1", 1450);
  await k.addAddr("flannel.1", { ip: parseIP("10.244.1.0"), prefixLen: 32 });
  await k.deleteLink("flannel.1");
  await k.deleteLink("absent");
  assertEquals(conn.sent.map((b) => `${b[0]!.kind} ${b[0]!.type}`), [
    `link ${K.RTM_NEWLINK}`,
    `addr ${K.RTM_NEWADDR}`,
    `link ${K.RTM_DELLINK}`,
  ]);
  const up = conn.sent[0]![0]!;
  assertEquals(up.kind === "link" && [up.body.index, up.body.mtu, up.body.flags], [
    5,
    1450,
    K.IFF_UP,
  ]);
  assertEquals((await k.getLink("flannel.1"))?.index, 5);
  assertEquals(await k.getLink("nope"), null);
});
