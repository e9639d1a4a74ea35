import { assert, assertEquals, assertThrows } from "../../harness/assert.ts";
import { withNetns } from "../../../scripts/lab/netns.ts";
import { parseCIDR, parseIP } from "../../../mod/ip/mod.ts";
import * as K from "../../../mod/netlink/codec/consts.ts";
import { NetlinkError } from "../../../mod/netlink/errors.ts";
import { ignore, type J, vxlanNode } from "./helpers.ts";

Deno.test({
  name: "route replace (onlink via vxlan), add in a table, blackhole, IPv6, get, list, del",
  ignore,
  fn: () =>
    withNetns(2, async (a, b) => {
      const { nl, vx, eth } = await vxlanNode(a, b);
      try {
        const onlink = {
          dst: parseCIDR("10.244.2.0/24"),
          gateway: parseIP("10.244.2.0"),
          oif: vx.index,
          onlink: true,
        };
        nl.route.replace(onlink);
        nl.route.replace(onlink);
        nl.route.add({
          dst: parseCIDR("10.244.3.0/24"),
          gateway: parseIP("198.18.0.2"),
          oif: eth.index,
          table: 100,
        });
        nl.route.add({ dst: parseCIDR("10.244.0.0/24"), type: K.RTN_BLACKHOLE });
        nl.addr.add({
          index: eth.index,
          address: parseIP("2001:db8:1::1"),
          prefixLen: 64,
          flags: K.IFA_F_NODAD,
        });
        nl.route.add({
          dst: parseCIDR("2001:db8:2::/64"),
          gateway: parseIP("2001:db8:1::2"),
          oif: eth.index,
        });

        const main = await a.ipJson<J[]>("route", "show");
        const r = main.find((x) => x.dst === "10.244.2.0/24")!;
        assertEquals([r.gateway, r.dev, r.flags], ["10.244.2.0", "vx0", ["onlink"]]);
        assert(main.some((x) => x.dst === "10.244.0.0/24" && x.type === "blackhole"));
        assertEquals(
          (await a.ipJson<J[]>("route", "show", "table", "100"))[0]!.dst,
          "10.244.3.0/24",
        );
        assertEquals(
          (await a.ipJson<J[]>("-6", "route", "show", "2001:db8:2::/64"))[0]!.gateway,
          "2001:db8:1::2",
        );

        const listed = nl.route.list().find((x) => x.dst?.equals(onlink.dst))!;
        assertEquals([listed.gateway, listed.oif, listed.flags & K.RTNH_F_ONLINK, listed.table], [
          onlink.gateway,
          vx.index,
          K.RTNH_F_ONLINK,
          K.RT_TABLE_MAIN,
        ]);
        assertEquals(nl.route.list({ table: 100 }).map((x) => String(x.dst)), ["10.244.3.0/24"]);
        assert(
          nl.route.list({ family: K.AF_INET6 }).some((x) => String(x.dst) === "2001:db8:2::/64"),
        );

        const got = nl.route.get(parseIP("10.244.2.77"));
        assertEquals([got.oif, got.gateway], [vx.index, parseIP("10.244.2.0")]);
        const direct = nl.route.get(parseIP("198.18.0.2"));
        assertEquals([direct.oif, direct.prefsrc], [eth.index, parseIP("198.18.0.1")]);

        nl.route.del({ dst: onlink.dst });
        nl.route.del({ dst: parseCIDR("10.244.0.0/24"), type: K.RTN_BLACKHOLE });
        assertEquals(
          assertThrows(() => nl.route.del({ dst: onlink.dst }), NetlinkError).errno,
          "ESRCH",
        );
        assertEquals(
          assertThrows(() => nl.route.get(parseIP("10.244.0.9")), NetlinkError).errno,
          "ENETUNREACH",
        );
        assert(
          !(await a.ipJson<J[]>("route", "show")).some((x) => String(x.dst).startsWith("10.244.")),
        );
      } finally {
        nl.close();
      }
    }, "nlt"),
});
