/**
 * The netlink-backed kernel against the real kernel, in a throwaway namespace: device, address,
 * the three entry kinds, read-back, drift repair and deletion, as `ip`/`bridge` see them.
 */
import { assert, assertEquals } from "../../harness/assert.ts";
import { isRoot, linkVeth, NOT_ROOT, withNetns } from "../../../scripts/lab/netns.ts";
import { flannel1Spec, onePeerEntries } from "../../harness/vxlan_fixtures.ts";
import type { VxlanSpec } from "../../../backends/contract.ts";
import { openAgentRtnl } from "../../../mod/agent/agent_rtnl.ts";
import { NetlinkKernel } from "../../../mod/agent/netlink_kernel.ts";
import { RTPROT_FLANNEL } from "../../../mod/reconcile/diff.ts";
import { diff, isOwned } from "../../../mod/reconcile/diff.ts";
import { entryKey } from "../../../mod/reconcile/entries.ts";
import { parseCIDR, parseIP } from "../../../mod/ip/mod.ts";

if (!isRoot) console.warn(`netlink_kernel netns tests ignored: ${NOT_ROOT}`);

/** The peer's VTEP MAC, as `ip neigh`/`bridge fdb` show it. */
const mac = "aa:00:00:00:00:02";
const entries = onePeerEntries;

/** `flannel.1` as the vxlan backend makes it, over the underlay ifindex `link`. */
const flannel1 = (link: number): VxlanSpec => flannel1Spec({ link });

Deno.test({
  name: "NetlinkKernel over rtnetlink programs, reads back and repairs a vxlan device's entries",
  ignore: !isRoot,
  fn: () =>
    withNetns(2, async (ns, peer) => {
      await linkVeth(ns, "eth0", peer, "eth0", "198.18.0.1/24");
      const rtnl = openAgentRtnl(ns.path);
      try {
        const k = new NetlinkKernel(rtnl, RTPROT_FLANNEL, () => Promise.resolve());
        const facts = await k.readFacts(parseIP("198.18.0.2"));
        const eth0 = facts.links.find((l) => l.name === "eth0")!;
        assertEquals(facts.canReach, { index: eth0.index, src: parseIP("198.18.0.1") });
        await k.addVxlan(flannel1(eth0.index));
        await k.setMtuUp("flannel.1", 1450);
        await k.addAddr("flannel.1", { ip: parseIP("10.244.1.0"), prefixLen: 32 });
        const link = await k.getLink("flannel.1");
        assertEquals([
          link?.kind,
          link?.mac,
          link?.up,
          link?.vxlan?.vni,
          link?.vxlan?.port,
          link?.vxlan?.learning,
        ], ["vxlan", "0e:00:00:00:00:01", true, 1, 8472, false]);
        assertEquals(
          (await k.listAddrs("flannel.1")).filter((a) => a.ip.family === 4).map((a) =>
            `${a.ip}/${a.prefixLen}`
          ),
          ["10.244.1.0/32"],
        );
        assertEquals(await k.apply(entries.map((entry) => ({ op: "replace", entry }))), [
          null,
          null,
          null,
        ]);
        assertEquals(
          (await ns.ip("route", "show", "10.244.2.0/24")).trim(),
          "10.244.2.0/24 via 10.244.2.0 dev flannel.1 proto 242 onlink",
        );
        assertEquals(
          (await ns.ip("neigh", "show", "dev", "flannel.1")).trim(),
          `10.244.2.0 lladdr ${mac} PERMANENT`,
        );
        const fdb = await ns.bridgeJson("fdb", "show", "dev", "flannel.1");
        assertEquals(fdb.map((f) => `${f.mac} ${f.dst} ${f.state}`), [
          `${mac} 198.18.0.2 permanent`,
        ]);
        const scope = {
          devices: ["flannel.1"],
          networks: [parseCIDR("10.244.0.0/16")],
          protocol: RTPROT_FLANNEL,
        };
        const desired = new Map(entries.map((e) => [entryKey(e), e]));
        assertEquals(
          diff(desired, await k.read(scope), scope),
          [],
          "read-back equals what was applied",
        );
        await ns.ip("route", "del", "10.244.2.0/24");
        const ops = diff(desired, await k.read(scope), scope);
        assertEquals(ops.map((o) => `${o.op} ${entryKey(o.entry)}`), [
          "replace route 10.244.2.0/24",
        ]);
        assertEquals(await k.apply(ops), [null]);
        const dels = entries.map((entry) => ({ op: "delete" as const, entry }));
        assertEquals(await k.apply(dels), [null, null, null]);
        assertEquals(await k.apply(dels), [null, null, null], "deleting what is gone succeeds");
        assert(!(await k.read(scope)).some((o) => isOwned(o, scope)), "nothing of ours is left");
        await k.deleteLink("flannel.1");
        assertEquals(await k.getLink("flannel.1"), null);
      } finally {
        rtnl.close();
      }
    }, "rc"),
});
