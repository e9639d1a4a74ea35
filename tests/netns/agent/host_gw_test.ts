/**
 * The host-gw backend end to end: real agents, real etcd, real kernel, three hosts.
 */
import { assert, assertEquals } from "../../harness/assert.ts";
import { eventually } from "../../../scripts/lab/cluster.ts";
import { isRoot, NOT_ROOT } from "../../../scripts/lab/netns.ts";
import { assertExactState, assertPodsPing, CONFIGS, joinAll, withAgentCluster } from "./setup.ts";
import { expectedHostGw, hostGwState } from "./state.ts";

if (!isRoot) console.warn(`agent host-gw tests ignored: ${NOT_ROOT}`);
const opts = { ignore: !isRoot, sanitizeOps: false, sanitizeResources: false };

Deno.test({
  ...opts,
  name:
    "host-gw: 3 hosts join, pods ping, exact routes; a leaving host's route goes; drift repaired",
  fn: () =>
    withAgentCluster(3, CONFIGS.hostgw, async (a) => {
      const peers = await joinAll(a);
      await assertPodsPing(a.cluster.hosts);
      await assertExactState(peers, "host-gw");
      assertEquals((await a.cluster.hosts[0]!.waitSubnetEnv()).get("FLANNEL_MTU"), "1500");
      const [p1, p2, p3] = peers as [typeof peers[0], typeof peers[0], typeof peers[0]];
      await p1.host.ns.ip("route", "del", p2.subnet!);
      assert(
        await eventually(
          async () =>
            JSON.stringify(await hostGwState(p1.host)) ===
              JSON.stringify(expectedHostGw(p1, peers)),
          3500,
        ),
      );
      assertEquals(await p3.host.stopAgent(), 0);
      await a.etcd.etcdctl("del", `${a.prefix}/subnets/${p3.subnet!.replace("/", "-")}`);
      const rest = [p1, p2];
      for (const p of rest) {
        assert(
          await eventually(
            async () =>
              JSON.stringify(await hostGwState(p.host)) === JSON.stringify(expectedHostGw(p, rest)),
            5000,
          ),
        );
      }
    }),
});

Deno.test({
  ...opts,
  name: "host-gw: dual-stack across 3 hosts",
  fn: () =>
    withAgentCluster(3, CONFIGS.hostgwDual, async (a) => {
      const peers = await joinAll(a);
      assert(peers.every((p) => p.subnet && p.subnet6));
      await assertPodsPing(a.cluster.hosts);
      await assertExactState(peers, "host-gw");
    }),
});
