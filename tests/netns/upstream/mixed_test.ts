/**
 * Mixed clusters on one etcd: upstream flanneld v0.22.0 on host 1, ours on hosts 2 and 3,
 * for vxlan and host-gw. Pods ping across every pair; every host's kernel holds exactly the
 * others' entries (upstream's host ours, ours upstream's); the leases in etcd are the same
 * JSON whoever wrote them, each held by a 24 h etcd lease; a host leaving is removed
 * everywhere.
 */
import { assert, assertEquals } from "../../harness/assert.ts";
import { stopAnyAgent } from "../../../scripts/lab/node_switch.ts";
import { assertExactState, assertPodsPing, CONFIGS, withAgentCluster } from "../agent/setup.ts";
import { type Peer, peerOf } from "../agent/state.ts";
import {
  leaseJson,
  leaseKey,
  startOurs,
  startUpstream,
  storedLeases,
  upstreamTestOpts,
} from "./setup.ts";

const opts = upstreamTestOpts("upstream mixed-cluster tests");
const DAY_S = 24 * 3600;
const ENV_KEYS = ["FLANNEL_IPMASQ", "FLANNEL_MTU", "FLANNEL_NETWORK", "FLANNEL_SUBNET"];
const ENV_KEYS6 = [...ENV_KEYS, "FLANNEL_IPV6_NETWORK", "FLANNEL_IPV6_SUBNET"].sort();

const CASES = [
  { name: "vxlan", kind: "vxlan", config: CONFIGS.vxlan, dual: false },
  { name: "host-gw", kind: "host-gw", config: CONFIGS.hostgw, dual: false },
  { name: "vxlan dual-stack", kind: "vxlan", config: CONFIGS.vxlanDual, dual: true },
  { name: "host-gw dual-stack", kind: "host-gw", config: CONFIGS.hostgwDual, dual: true },
] as const;

for (const c of CASES) {
  Deno.test({
    ...opts,
    name: `mixed ${c.name}: upstream on host 1, ours on 2 and 3 — every pair pings, exact ` +
      `entries both ways, same lease JSON; a leaving host is removed everywhere`,
    fn: () =>
      withAgentCluster(3, c.config, async (a) => {
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
        assert(peers.every((p) => (p.subnet6 !== null) === c.dual), "families as configured");
        await assertPodsPing(hosts);
        // Upstream writes its routes with proto boot: count every route on its host.
        const protoOf = (p: Peer) => p.host === h1 ? "any" : "242";
        await assertExactState(peers, c.kind, 10_000, protoOf);

        const leases = await storedLeases(a);
        assertEquals([...leases.keys()].sort(), peers.map(leaseKey).sort());
        for (const p of peers) {
          const l = leases.get(leaseKey(p))!;
          assertEquals(l.value, leaseJson(p, c.kind), `lease of host ${p.host.index}`);
          assert(l.ttl > DAY_S - 120 && l.ttl <= DAY_S, `host ${p.host.index}: TTL ${l.ttl} s`);
        }
        const vars = await Promise.all(hosts.map((h) => h.waitSubnetEnv()));
        assertEquals(
          vars.map((v) => [...v.keys()].sort()),
          hosts.map(() => c.dual ? ENV_KEYS6 : ENV_KEYS),
          "subnet.env keys, upstream's and ours",
        );
        // vxlan over an IPv6 underlay: upstream's MTU is base − 50, ours − 70 (README).
        const mtus = vars.map((v) => v.get("FLANNEL_MTU"));
        const want = c.kind === "host-gw" ? "1500" : "1450";
        assertEquals(
          mtus,
          c.dual && c.kind === "vxlan" ? ["1450", "1430", "1430"] : [want, want, want],
        );

        // Host 3 (ours) leaves: upstream's host and ours drop its entries.
        await stopAnyAgent(h3);
        await a.etcd.etcdctl("del", `${a.prefix}/subnets/${leaseKey(peers[2]!)}`);
        await assertExactState(peers.slice(0, 2), c.kind, 5000, protoOf);
        await assertPodsPing([h1, h2]);
      }),
  });
}
