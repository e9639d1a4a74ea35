import { assertEquals } from "../../../harness/assert.ts";
import { parseIP } from "../../../../mod/ip/mod.ts";
import * as K from "../../../../mod/netlink/codec/consts.ts";
import { Conn } from "../../../../mod/netlink/conn.ts";
import {
  fdbAppend,
  fdbDel,
  fdbDump,
  FdbOps,
  fdbReplace,
  neighDel,
  neighDump,
  NeighOps,
  neighReplace,
} from "../../../../mod/netlink/ops/neigh.ts";
import { FakeKernel } from "../fake_kernel.ts";
import { goldenRequest } from "../golden.ts";

const MAC = "0e:aa:00:00:00:02";
const VTEP = parseIP("198.18.0.2");

Deno.test("neigh and fdb request builders equal what ip and bridge send", () => {
  assertEquals(
    neighReplace({ index: 6, dst: parseIP("10.244.2.0"), lladdr: MAC }),
    goldenRequest("neigh_replace4"),
  );
  assertEquals(
    neighReplace({ index: 8, dst: parseIP("2001:db8:1::2"), lladdr: MAC }),
    goldenRequest("neigh_replace6"),
  );
  assertEquals(neighDel({ index: 6, dst: parseIP("10.244.2.0") }), goldenRequest("neigh_del"));
  assertEquals(neighDump(), goldenRequest("neigh_dump"));
  assertEquals(neighDump(K.AF_INET), goldenRequest("neigh_dump4"));
  assertEquals(
    fdbAppend({ index: 6, lladdr: "00:00:00:00:00:00", dst: VTEP }),
    goldenRequest("fdb_append"),
  );
  assertEquals(fdbReplace({ index: 6, lladdr: MAC, dst: VTEP }), goldenRequest("fdb_replace"));
  assertEquals(fdbDel({ index: 6, lladdr: MAC, dst: VTEP }), goldenRequest("fdb_del"));
  assertEquals(fdbDump(6), goldenRequest("fdb_dump"));
});

Deno.test("fdb extras (port, vni, vlan, master) reach the body", () => {
  const b = fdbReplace({
    index: 6,
    lladdr: MAC,
    dst: VTEP,
    port: 4789,
    vni: 7,
    vlan: 2,
    master: 3,
    state: K.NUD_PERMANENT,
  }).body;
  assertEquals([b.port, b.vni, b.vlan, b.master, b.state], [4789, 7, 2, 3, K.NUD_PERMANENT]);
});

Deno.test("NeighOps.list() drops FDB entries and filters by index; FdbOps dumps by device", () => {
  const arp = neighReplace({ index: 6, dst: parseIP("10.244.2.0"), lladdr: MAC }).body;
  const other = neighReplace({ index: 7, dst: parseIP("10.244.3.0"), lladdr: MAC }).body;
  const fdb = fdbReplace({ index: 6, lladdr: MAC, dst: VTEP }).body;
  const k = new FakeKernel((
    m,
  ) => (m.type === K.RTM_GETNEIGH ? { objects: [arp, other, fdb] } : {}));
  const neigh = new NeighOps(new Conn(k));
  assertEquals(neigh.list(), [arp, other]);
  assertEquals(neigh.list({ index: 6 }), [arp]);
  const fdbs = new FdbOps(new Conn(k));
  assertEquals(fdbs.list({ index: 6 }).length, 3, "the kernel filters; the fake does not");
  assertEquals((k.sent.at(-1)!.body as { index: number }).index, 6);
  neigh.replace({ index: 6, dst: parseIP("10.244.2.0"), lladdr: MAC });
  neigh.del({ index: 6, dst: parseIP("10.244.2.0") });
  fdbs.append({ index: 6, lladdr: MAC, dst: VTEP });
  fdbs.replace({ index: 6, lladdr: MAC, dst: VTEP });
  fdbs.del({ index: 6, lladdr: MAC, dst: VTEP });
  assertEquals(k.sent.slice(-5).map((m) => m.type), [28, 29, 28, 28, 29]);
});
