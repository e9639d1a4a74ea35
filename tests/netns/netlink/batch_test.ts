import { assertEquals } from "../../harness/assert.ts";
import { withNetns } from "../../../scripts/lab/netns.ts";
import { parseCIDR, parseIP } from "../../../mod/ip/mod.ts";
import * as K from "../../../mod/netlink/codec/consts.ts";
import type { Request } from "../../../mod/netlink/codec/message.ts";
import { fdbReplace, neighReplace } from "../../../mod/netlink/ops/neigh.ts";
import { routeReplace } from "../../../mod/netlink/ops/route.ts";
import { ignore, type J, vxlanNode } from "./helpers.ts";

const mac = (i: number) =>
  `0e:aa:00:00:${(i >> 8).toString(16).padStart(2, "0")}:${
    (i & 255).toString(16).padStart(2, "0")
  }`;
const sub = (i: number) => `10.${100 + (i >> 8)}.${i & 255}`;

Deno.test({
  name: "a batch with one bad message reports exactly that one and applies the rest",
  ignore,
  fn: () =>
    withNetns(2, async (a, b) => {
      const { nl, vx } = await vxlanNode(a, b);
      try {
        const reqs = Array.from({ length: 300 }, (_, i) =>
          neighReplace({
            index: i === 123 ? 9999 : vx.index,
            dst: parseIP(`${sub(i)}.0`),
            lladdr: mac(i),
          }));
        const out = nl.batch(reqs);
        const failed = out.flatMap((e, i) => (e ? [[i, e.errno, e.op]] : []));
        assertEquals(failed, [[
          123,
          "ENODEV",
          `ip neigh replace ${sub(123)}.0 lladdr ${mac(123)} dev #9999`,
        ]]);
        assertEquals((await a.ipJson<J[]>("neigh", "show", "dev", "vx0")).length, 299);
      } finally {
        nl.close();
      }
    }, "nlb"),
});

Deno.test({
  name: "a mixed batch of 1000 neighbours, FDB entries and onlink routes is all applied",
  ignore,
  fn: () =>
    withNetns(2, async (a, b) => {
      const { nl, vx } = await vxlanNode(a, b);
      try {
        const reqs: Request[] = [];
        for (let i = 0; i < 1000; i++) {
          const gw = parseIP(`${sub(i)}.0`);
          reqs.push(neighReplace({ index: vx.index, dst: gw, lladdr: mac(i) }));
          reqs.push(
            fdbReplace({
              index: vx.index,
              lladdr: mac(i),
              dst: parseIP(`198.19.${i >> 8}.${i & 255}`),
            }),
          );
          reqs.push(
            routeReplace({
              dst: parseCIDR(`${sub(i)}.0/24`),
              gateway: gw,
              oif: vx.index,
              onlink: true,
            }),
          );
        }
        assertEquals(nl.batch(reqs).filter(Boolean), []);
        assertEquals((await a.ipJson<J[]>("neigh", "show", "dev", "vx0")).length, 1000);
        assertEquals(
          (await a.bridgeJson<J[]>("fdb", "show", "dev", "vx0")).filter((x) => x.dst).length,
          1000,
        );
        assertEquals((await a.ipJson<J[]>("route", "show", "dev", "vx0")).length, 1000);
        assertEquals(nl.neigh.list({ index: vx.index, family: K.AF_INET }).length, 1000);
        assertEquals(nl.fdb.list({ index: vx.index }).filter((n) => n.dst).length, 1000);
        assertEquals(nl.route.list().filter((r) => r.oif === vx.index).length, 1000);
        // Replaying the same batch is idempotent (replace semantics).
        assertEquals(nl.batch(reqs).filter(Boolean), []);
      } finally {
        nl.close();
      }
    }, "nlb"),
});
