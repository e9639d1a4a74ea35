import { assertEquals, assertThrows } from "../../harness/assert.ts";
import { withNetns } from "../../../scripts/lab/netns.ts";
import { parseIP } from "../../../mod/ip/mod.ts";
import * as K from "../../../mod/netlink/codec/consts.ts";
import { NetlinkError } from "../../../mod/netlink/errors.ts";
import { ignore, type J, vxlanNode } from "./helpers.ts";

const MAC = "0e:aa:00:00:00:02";

Deno.test({
  name: "neigh replace/list/del (IPv4, IPv6), read back with ip -j neigh",
  ignore,
  fn: () =>
    withNetns(2, async (a, b) => {
      const { nl, vx } = await vxlanNode(a, b);
      try {
        nl.neigh.replace({ index: vx.index, dst: parseIP("10.244.2.0"), lladdr: MAC });
        nl.neigh.replace({ index: vx.index, dst: parseIP("10.244.2.0"), lladdr: MAC });
        nl.neigh.replace({ index: vx.index, dst: parseIP("2001:db8:2::"), lladdr: MAC });
        const j = await a.ipJson<J[]>("neigh", "show", "dev", "vx0");
        assertEquals(j.map((x) => [x.dst, x.lladdr, x.state]), [
          ["10.244.2.0", MAC, ["PERMANENT"]],
          ["2001:db8:2::", MAC, ["PERMANENT"]],
        ]);
        // The kernel may add NUD_NOARP multicast entries on its own; ours are PERMANENT.
        const mine = nl.neigh.list({ index: vx.index }).filter((n) => n.state & K.NUD_PERMANENT);
        assertEquals(mine.map((n) => [String(n.dst), n.lladdr, n.state & K.NUD_PERMANENT]), [
          ["10.244.2.0", MAC, K.NUD_PERMANENT],
          ["2001:db8:2::", MAC, K.NUD_PERMANENT],
        ]);
        const v6 = nl.neigh.list({ family: K.AF_INET6, index: vx.index });
        assertEquals(v6.filter((n) => n.state & K.NUD_PERMANENT).map((n) => String(n.dst)), [
          "2001:db8:2::",
        ]);
        nl.neigh.del({ index: vx.index, dst: parseIP("10.244.2.0") });
        assertEquals(
          assertThrows(
            () => nl.neigh.del({ index: vx.index, dst: parseIP("10.244.2.0") }),
            NetlinkError,
          ).errno,
          "ENOENT",
        );
        assertEquals((await a.ipJson<J[]>("-4", "neigh", "show", "dev", "vx0")).length, 0);
      } finally {
        nl.close();
      }
    }, "nlg"),
});

Deno.test({
  name: "fdb append/replace/list/del on a vxlan device, read back with bridge -j fdb",
  ignore,
  fn: () =>
    withNetns(2, async (a, b) => {
      const { nl, vx } = await vxlanNode(a, b);
      try {
        const zero = "00:00:00:00:00:00";
        nl.fdb.append({ index: vx.index, lladdr: zero, dst: parseIP("198.18.0.2") });
        nl.fdb.append({ index: vx.index, lladdr: zero, dst: parseIP("198.18.0.3") });
        nl.fdb.replace({ index: vx.index, lladdr: MAC, dst: parseIP("198.18.0.2") });
        nl.fdb.replace({ index: vx.index, lladdr: MAC, dst: parseIP("198.18.0.4") });
        const j = await a.bridgeJson<J[]>("fdb", "show", "dev", "vx0");
        const remote = j.filter((x) => x.dst).map((x) => `${x.mac}>${x.dst}:${x.state}`).sort();
        assertEquals(remote, [
          `${zero}>198.18.0.2:permanent`,
          `${zero}>198.18.0.3:permanent`,
          `${MAC}>198.18.0.4:permanent`,
        ]);
        const mine = nl.fdb.list({ index: vx.index }).filter((n) => n.dst);
        assertEquals(mine.length, 3);
        assertEquals(
          mine.every((n) => n.family === K.AF_BRIDGE && (n.flags & K.NTF_SELF) !== 0),
          true,
        );
        nl.fdb.del({ index: vx.index, lladdr: MAC, dst: parseIP("198.18.0.4") });
        assertEquals(
          assertThrows(
            () => nl.fdb.del({ index: vx.index, lladdr: MAC, dst: parseIP("198.18.0.4") }),
            NetlinkError,
          ).errno,
          "ENOENT",
        );
        assertEquals(
          (await a.bridgeJson<J[]>("fdb", "show", "dev", "vx0")).filter((x) => x.mac === MAC)
            .length,
          0,
        );
      } finally {
        nl.close();
      }
    }, "nlf"),
});
