import { assert, assertEquals } from "../../harness/assert.ts";
import { NetlinkKernel } from "../../../mod/agent/netlink_kernel.ts";
import * as K from "../../../mod/netlink/codec/consts.ts";
import type { Link } from "../../../mod/netlink/codec/link.ts";
import type { ObjectMessage } from "../../../mod/netlink/codec/message.ts";
import type { Neigh } from "../../../mod/netlink/codec/neigh.ts";
import type { Route } from "../../../mod/netlink/codec/route.ts";
import { Conn } from "../../../mod/netlink/conn.ts";
import { NetlinkError } from "../../../mod/netlink/errors.ts";
import { Rtnl } from "../../../mod/netlink/rtnl.ts";
import { RTPROT_FLANNEL } from "../../../mod/reconcile/diff.ts";
import type { Entry } from "../../../mod/reconcile/entries.ts";
import { parseCIDR, parseIP } from "../../../mod/ip/mod.ts";
import { FakeKernel } from "../netlink/fake_kernel.ts";

const link = (index: number, name: string): Link => ({
  family: 0,
  ifType: 1,
  index,
  flags: 1,
  change: 0,
  name,
  mtu: 1500,
});

/** RTM_GET* (link 18, addr 22, route 26, neigh 30): reads, not writes. */
const isGet = (m: ObjectMessage) => m.type % 4 === 2;

/**
 * A kernel behind the real connection: answers dumps from its tables, records every write,
 * grouped by sendto, and fails a write with `answer`'s errno.
 */
class Kernel extends FakeKernel {
  links: Link[] = [link(2, "eth0"), link(5, "flannel.1")];
  routes: Route[] = [];
  neighs: Neigh[] = [];
  /** The writes of each sendto that carried any. */
  writes: ObjectMessage[][] = [];
  answer: (m: ObjectMessage) => number | undefined = () => undefined;

  constructor() {
    super((m) => {
      if (!isGet(m)) {
        const errno = this.answer(m);
        return errno === undefined ? {} : { errno };
      }
      const family = (m.body as { family: number }).family;
      if (m.kind === "link") return { objects: this.links };
      if (m.kind === "route") return { objects: this.routes.filter((r) => r.family === family) };
      if (m.kind === "neigh") return { objects: this.neighs.filter((n) => n.family === family) };
      return { objects: [] };
    });
  }

  override send(bytes: Uint8Array): void {
    const before = this.sent.length;
    super.send(bytes);
    const writes = this.sent.slice(before).filter((m) => !isGet(m));
    if (writes.length > 0) this.writes.push(writes);
  }
}

const kernelOver = (k: Kernel) =>
  new NetlinkKernel(new Rtnl(new Conn(k)), RTPROT_FLANNEL, () => Promise.resolve());

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
  const conn = new Kernel();
  const k = kernelOver(conn);
  const res = await k.apply([{ op: "replace", entry: route }, {
    op: "replace",
    entry: { ...route, dev: "eth0" },
  }]);
  assertEquals(res, [null, null]);
  assertEquals(conn.writes.length, 1);
  assertEquals(conn.writes[0]!.map((r) => r.kind === "route" && (r.body as Route).oif), [5, 2]);
});

Deno.test("NetlinkKernel.apply() treats deleting a missing entry or device as success", async () => {
  const conn = new Kernel();
  conn.answer = () => 2; // ENOENT
  const k = kernelOver(conn);
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
  const conn = new Kernel();
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
  const k = kernelOver(conn);
  const got = await k.read(scope);
  assertEquals(got.map((o) => `${o.entry.kind} ${o.entry.dev}`), [
    "route flannel.1",
    "neigh flannel.1",
    "fdb flannel.1",
  ]);
});

Deno.test("NetlinkKernel device ops send the expected link and address requests", async () => {
  const conn = new Kernel();
  const k = kernelOver(conn);
  await k.setMtuUp("flannel.1", 1450);
  await k.addAddr("flannel.1", { ip: parseIP("10.244.1.0"), prefixLen: 32 });
  await k.deleteLink("flannel.1");
  await k.deleteLink("absent");
  assertEquals(conn.writes.map((b) => `${b[0]!.kind} ${b[0]!.type}`), [
    `link ${K.RTM_NEWLINK}`,
    `addr ${K.RTM_NEWADDR}`,
    `link ${K.RTM_DELLINK}`,
  ]);
  const up = conn.writes[0]![0]!;
  const upBody = up.body as Link;
  assertEquals(up.kind === "link" && [upBody.index, upBody.mtu, upBody.flags], [
    5,
    1450,
    K.IFF_UP,
  ]);
  assertEquals((await k.getLink("flannel.1"))?.index, 5);
  assertEquals(await k.getLink("nope"), null);
});
