import { assert, assertEquals } from "../../harness/assert.ts";
import { isRoot, NOT_ROOT, withNetns } from "../../../scripts/lab/netns.ts";
import { parseIP } from "../../../mod/ip/mod.ts";
import * as K from "../../../mod/netlink/codec/consts.ts";
import { Conn } from "../../../mod/netlink/conn.ts";
import { neighReplace } from "../../../mod/netlink/ops/neigh.ts";
import { Rtnl } from "../../../mod/netlink/rtnl.ts";
import { FakeKernel } from "./fake_kernel.ts";

Deno.test("Rtnl groups the operations over one connection and batches", () => {
  const k = new FakeKernel((m) => (m.kind === "neigh" && m.body.index === 9 ? { errno: 19 } : {}));
  const nl = new Rtnl(new Conn(k));
  nl.link.set(6, { up: true });
  nl.addr.replace({ index: 6, address: parseIP("10.244.1.0"), prefixLen: 32 });
  nl.neigh.replace({ index: 6, dst: parseIP("10.244.2.0"), lladdr: "0e:aa:00:00:00:02" });
  const out = nl.batch(
    [6, 9, 6].map((index) =>
      neighReplace({ index, dst: parseIP("10.0.0.1"), lladdr: "02:00:00:00:00:01" })
    ),
  );
  assertEquals(out.map((e) => e?.errno ?? null), [null, "ENODEV", null]);
  assertEquals(k.sent.map((m) => m.type), [
    K.RTM_NEWLINK,
    K.RTM_NEWADDR,
    K.RTM_NEWNEIGH,
    28,
    28,
    28,
  ]);
  {
    using _nl = nl;
  }
  assert(k.closed, "disposed");
});

Deno.test({
  name: "Rtnl.open({ netns }) and subscribe() work inside the namespace",
  ignore: !isRoot,
  fn: () =>
    withNetns(1, async (a) => {
      using nl = Rtnl.open({ netns: a.path, timeoutMs: 2000, batchSize: 64 });
      assertEquals(nl.link.list().map((l) => l.name), ["lo"]);
      const sub = nl.subscribe(["link"], { pollMs: 50 });
      await sub.close();
    }, "nlr"),
});

if (!isRoot) console.warn(`rtnl live test ignored: ${NOT_ROOT}`);
