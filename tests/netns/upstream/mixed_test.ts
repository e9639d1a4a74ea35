/**
 * Mixed clusters on one etcd: upstream flanneld v0.22.0 on host 1, ours on hosts 2 and 3,
 * for vxlan and host-gw. Pods ping across every pair; every host's kernel holds exactly the
 * others' entries (upstream's host ours, ours upstream's); the leases in etcd are the same
 * JSON whoever wrote them, each held by a 24 h etcd lease; a host leaving is removed
 * everywhere.
 */
import { assert, assertEquals } from "../../harness/assert.ts";
import { stopAnyAgent } from "../../harness/node_switch.ts";
import { assertExactState, assertPodsPing, CONFIGS, withAgentCluster } from "../agent/setup.ts";
import { type Peer, peerOf } from "../agent/state.ts";
import { leaseJson, startOurs, startUpstream, storedLeases, upstreamTestOpts } from "./setup.ts";

const opts = upstreamTestOpts("upstream mixed-cluster tests");
const subnetKey = (cidr: string) => cidr.replace("/", "-");
const DAY_S = 24 * 3600;

for (const kind of ["vxlan", "host-gw"] as const) {
  Deno.test({
    ...opts,
    name: `mixed ${kind}: upstream on host 1, ours on 2 and 3 — every pair pings, exact ` +
      `entries both ways, same lease JSON; a leaving host is removed everywhere`,
    fn: () =>
      withAgentCluster(3, kind === "vxlan" ? CONFIGS.vxlan : CONFIGS.hostgw, async (a) => {
        const hosts = a.cluster.hosts;
        const [h1, h2, h3] = hosts as [typeof hosts[0], typeof hosts[0], typeof hosts[0]];
        startUpstream(h1, a);
        startOurs(h2, a);
        startOurs(h3, a);
        const peers: Peer[] = [];
        for (const h of hosts) {
          await h.wirePod(await h.waitSubnetEnv());
          peers.push(await peerOf(h));
        }
        await assertPodsPing(hosts);
        // Upstream writes its routes with proto boot: count every route on its host.
        const protoOf = (p: Peer) => p.host === h1 ? "any" : "242";
        await assertExactState(peers, kind, 10_000, protoOf);

        const leases = await storedLeases(a);
        assertEquals([...leases.keys()].sort(), peers.map((p) => subnetKey(p.subnet!)).sort());
        for (const p of peers) {
          const l = leases.get(subnetKey(p.subnet!))!;
          assertEquals(l.value, leaseJson(p.host, kind, p.mac4), `lease of host ${p.host.index}`);
          assert(l.ttl > DAY_S - 120 && l.ttl <= DAY_S, `host ${p.host.index}: TTL ${l.ttl} s`);
        }
        const vars = await Promise.all(hosts.map((h) => h.waitSubnetEnv()));
        assertEquals(
          vars.map((v) => [...v.keys()].sort()),
          hosts.map(() => ["FLANNEL_IPMASQ", "FLANNEL_MTU", "FLANNEL_NETWORK", "FLANNEL_SUBNET"]),
          "subnet.env keys, upstream's and ours",
        );
        assertEquals(new Set(vars.map((v) => v.get("FLANNEL_MTU"))).size, 1, "one MTU");

        // Host 3 (ours) leaves: upstream's host and ours drop its entries.
        await stopAnyAgent(h3);
        await a.etcd.etcdctl("del", `${a.prefix}/subnets/${subnetKey(peers[2]!.subnet!)}`);
        await assertExactState(peers.slice(0, 2), kind, 5000, protoOf);
        await assertPodsPing([h1, h2]);
      }),
  });
}
