/**
 * The vxlan backend end to end: real agents, real etcd, real kernel, three hosts.
 */
import { assert, assertEquals, assertMatch } from "../../harness/assert.ts";
import { eventually, pingOnce } from "../../../scripts/lab/cluster.ts";
import { isRoot, NOT_ROOT } from "../../../scripts/lab/netns.ts";
import { assertExactState, assertPodsPing, CONFIGS, joinAll, withAgentCluster } from "./setup.ts";
import { expectedVxlan, peerOf, vxlanState } from "./state.ts";

if (!isRoot) console.warn(`agent vxlan tests ignored: ${NOT_ROOT}`);
const opts = { ignore: !isRoot, sanitizeOps: false, sanitizeResources: false };
const subnetKey = (cidr: string) => cidr.replace("/", "-");

Deno.test({
  ...opts,
  name: "vxlan: 3 hosts join, pods ping every other, kernel state is exactly the peers' entries",
  fn: () =>
    withAgentCluster(3, CONFIGS.vxlan, async (a) => {
      const peers = await joinAll(a);
      await assertPodsPing(a.cluster.hosts);
      await assertExactState(peers, "vxlan");
      const link = await a.cluster.hosts[0]!.ns.ipJson("-d", "link", "show", "flannel.1");
      const vx = (link[0]!.linkinfo as { info_data: Record<string, unknown> }).info_data;
      assertEquals([link[0]!.mtu, vx.id, vx.local, vx.port, vx.learning], [
        1450,
        1,
        "198.18.0.11",
        8472,
        false,
      ]);
      const vars = await a.cluster.hosts[0]!.waitSubnetEnv();
      assertEquals(vars.get("FLANNEL_MTU"), "1450");
      assertEquals(vars.get("FLANNEL_NETWORK"), "10.244.0.0/16");
    }),
});

Deno.test({
  ...opts,
  name: "vxlan: stopping an agent keeps the data plane; deleting its lease removes its entries",
  fn: () =>
    withAgentCluster(3, CONFIGS.vxlan, async (a) => {
      const peers = await joinAll(a);
      const [h1, h2, h3] = a.cluster.hosts as [
        typeof a.cluster.hosts[0],
        typeof a.cluster.hosts[0],
        typeof a.cluster.hosts[0],
      ];
      await assertPodsPing(a.cluster.hosts);
      assertEquals(await h3.stopAgent(), 0);
      assertMatch(h3.agent!.lines().join("\n"), /Exiting cleanly/);
      // Data plane stays: every pod still reaches every other, and host 3 kept its entries.
      await assertPodsPing(a.cluster.hosts, 3000);
      assertEquals(await vxlanState(h3), expectedVxlan(peers[2]!, peers));
      await a.etcd.etcdctl("del", `${a.prefix}/subnets/${subnetKey(peers[2]!.subnet!)}`);
      const rest = peers.slice(0, 2);
      const t0 = Date.now();
      for (const p of rest) {
        assert(
          await eventually(
            async () =>
              JSON.stringify(await vxlanState(p.host)) === JSON.stringify(expectedVxlan(p, rest)),
            5000,
          ),
          `host ${p.host.index} dropped host 3's entries`,
        );
      }
      assert(Date.now() - t0 < 5000);
      assert(await pingOnce(h1.pod, h2.podIP!));
    }),
});

Deno.test({
  ...opts,
  name: "vxlan: a restart keeps subnet and VTEP MAC and loses no ping (one every 10 ms)",
  fn: () =>
    withAgentCluster(3, CONFIGS.vxlan, async (a) => {
      await joinAll(a);
      const [h1, h2] = a.cluster.hosts as [typeof a.cluster.hosts[0], typeof a.cluster.hosts[0]];
      await assertPodsPing(a.cluster.hosts);
      const before = await peerOf(h2);
      const ping = h1.pod.exec("ping", ["-q", "-i", "0.01", "-c", "500", "-W", "1", h2.podIP!]);
      await new Promise((r) => setTimeout(r, 500));
      assertEquals(await h2.stopAgent(), 0);
      await Deno.remove(h2.subnetFile); // prove the subnet comes back from the store, not the file alone
      h2.startAgent(a.flags);
      await h2.waitSubnetEnv();
      await h2.agent!.waitFor(/Initial sync/);
      const out = (await ping).stdout;
      assertMatch(out, /500 packets transmitted, 500 received, 0% packet loss/);
      const after = await peerOf(h2);
      assertEquals([after.subnet, after.mac4], [before.subnet, before.mac4]);
    }),
});

Deno.test({
  ...opts,
  name: "vxlan: drift is repaired within one full pass — route, neighbour, FDB entry, whole device",
  fn: () =>
    withAgentCluster(3, CONFIGS.vxlan, async (a) => {
      const peers = await joinAll(a);
      await assertExactState(peers, "vxlan");
      const [p1, p2] = peers as [typeof peers[0], typeof peers[0]];
      const ns = p1.host.ns;
      const pass = 2000 + 1500; // --reconcile-interval 2 plus slack for a busy machine
      const repaired = async () =>
        JSON.stringify(await vxlanState(p1.host)) === JSON.stringify(expectedVxlan(p1, peers));
      await ns.ip("route", "del", p2.subnet!);
      assert(await eventually(repaired, pass), "route back");
      await ns.ip("neigh", "del", p2.subnet!.split("/")[0]!, "dev", "flannel.1");
      assert(await eventually(repaired, pass), "neighbour back");
      await a.cluster.hosts[0]!.ns.run("bridge", [
        "fdb",
        "del",
        p2.mac4!,
        "dev",
        "flannel.1",
        "self",
      ]);
      assert(await eventually(repaired, pass), "FDB entry back");
      await ns.ip("link", "del", "flannel.1");
      assert(await eventually(repaired, pass), "device and all entries back");
      assertEquals((await peerOf(p1.host)).mac4, p1.mac4, "same VTEP MAC");
      await assertPodsPing(a.cluster.hosts);
    }),
});

Deno.test({
  ...opts,
  name: "vxlan: IPv6-only with the etcd store exits 1 with a clear line (etcd keys need IPv4)",
  fn: () =>
    withAgentCluster(1, CONFIGS.vxlan6, async (a) => {
      const agent = a.cluster.hosts[0]!.startAgent(a.flags);
      assertEquals(await agent.wait(), 1);
      assertMatch(
        agent.lines().join("\n"),
        /IPv6-only networks need the Kubernetes subnet manager/,
      );
    }),
});

Deno.test({
  ...opts,
  name: "vxlan: dual-stack across 3 hosts",
  fn: () =>
    withAgentCluster(3, CONFIGS.vxlanDual, async (a) => {
      const peers = await joinAll(a);
      assert(peers.every((p) => p.subnet && p.subnet6 && p.mac4 && p.mac6));
      await assertPodsPing(a.cluster.hosts);
      await assertExactState(peers, "vxlan");
    }),
});
