/**
 * The agent's connection and its kernel events against the real kernel, in a throwaway
 * namespace: our own writes call for no repair pass, someone else's deletes do.
 */
import { assert, assertEquals } from "../../harness/assert.ts";
import { isRoot, NOT_ROOT, withNetns } from "../../../scripts/lab/netns.ts";
import { flannel1Spec, onePeerEntries } from "../../harness/vxlan_fixtures.ts";
import { kernelEvents, openAgentRtnl } from "../../../mod/agent/agent_rtnl.ts";
import { NetlinkKernel } from "../../../mod/agent/netlink_kernel.ts";
import { RTPROT_FLANNEL } from "../../../mod/reconcile/diff.ts";
import { DesiredEntries } from "../../../mod/reconcile/desired.ts";
import { RepairTrigger } from "../../../mod/reconcile/trigger.ts";

if (!isRoot) console.warn(`agent_rtnl tests ignored: ${NOT_ROOT}`);

/** The peer's VTEP MAC, as `ip neigh`/`bridge fdb` show it. */
const mac = "aa:00:00:00:00:02";
const entries = onePeerEntries;

Deno.test({
  name: "kernelEvents(): our own writes trigger nothing, someone else's deletes do (real kernel)",
  ignore: !isRoot,
  fn: () =>
    withNetns(1, async (ns) => {
      await ns.ip("link", "add", "eth0", "type", "veth", "peer", "name", "eth1");
      await ns.ip("addr", "add", "198.18.0.1/24", "dev", "eth0");
      await ns.ip("link", "set", "eth0", "up");
      const rtnl = openAgentRtnl(ns.path);
      const ctl = new AbortController();
      try {
        const k = new NetlinkKernel(rtnl, RTPROT_FLANNEL, () => Promise.resolve());
        const events = kernelEvents(rtnl);
        const sub = events.subscribe(ctl.signal);
        const links = await events.links();
        const eths = links.filter((l) => l.name.startsWith("eth")).map((l) => `${l.name} ${l.up}`);
        assertEquals(eths.sort(), ["eth0 true", "eth1 false"]);
        const desired = new DesiredEntries();
        desired.setGroup("2", entries, () => {});
        const trigger = new RepairTrigger({
          devices: () => ["flannel.1"],
          wanted: (e) => desired.wanted(e),
        });
        trigger.reset(links);
        let seen = 0;
        const reasons: string[] = [];
        const reading = (async () => {
          for await (const ev of sub) {
            seen++;
            const why = trigger.update(ev, 0);
            if (why !== null) reasons.push(why);
          }
        })();
        const settle = async (n: number) => {
          for (let i = 0; i < 40 && seen < n; i++) await new Promise((r) => setTimeout(r, 25));
          await new Promise((r) => setTimeout(r, 100)); // and anything after those
        };
        // What a repair pass does: create the device, bring it up, write the entries.
        const eth0 = links.find((l) => l.name === "eth0")!.index;
        await k.addVxlan(flannel1Spec({ link: eth0 }));
        await k.setMtuUp("flannel.1", 1450);
        await k.setMtuUp("flannel.1", 1450); // a steady-state pass
        assertEquals(await k.apply(entries.map((entry) => ({ op: "replace", entry }))), [
          null,
          null,
          null,
        ]);
        await settle(5);
        assert(seen >= 5, `${seen} events for our own changes`);
        assertEquals(reasons, [], "our own changes call for no pass");
        await ns.ip("route", "del", "10.244.2.0/24");
        await ns.run("bridge", ["fdb", "del", mac, "dev", "flannel.1", "self"]);
        await ns.ip("neigh", "del", "10.244.2.0", "dev", "flannel.1");
        await settle(seen + 4);
        assertEquals(reasons, [
          "route 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink deleted",
          "fdb aa:00:00:00:00:02 dev flannel.1 dst 198.18.0.2 deleted",
          // The kernel marks it FAILED first, and tells neither event's MAC.
          "neigh 10.244.2.0 lladdr aa:00:00:00:00:02 dev flannel.1 changed",
          "neigh 10.244.2.0 lladdr aa:00:00:00:00:02 dev flannel.1 deleted",
        ]);
        reasons.length = 0;
        assertEquals(await k.apply(entries.map((entry) => ({ op: "replace", entry }))), [
          null,
          null,
          null,
        ]);
        await ns.ip("link", "del", "flannel.1");
        await settle(seen + 3);
        assertEquals(reasons, [
          "fdb aa:00:00:00:00:02 dev flannel.1 dst 198.18.0.2 deleted",
          'device "flannel.1" went down',
          "neigh 10.244.2.0 lladdr aa:00:00:00:00:02 dev flannel.1 deleted",
          'device "flannel.1" deleted',
        ]);
        ctl.abort();
        await reading;
      } finally {
        ctl.abort();
        rtnl.close();
      }
    }, "rc"),
});
