/**
 * A node switched in place between upstream flanneld v0.22.0 and ours, and back, with pods
 * running, for vxlan and host-gw. Host 1 starts on upstream (host 2 runs ours, host 3
 * upstream); each switch is SIGTERM to the running agent, the other one started on the same
 * subnet.env, etcd and devices, under `ping -i 0.01` (≈ 16 ms kept) from host 2's pod to
 * host 1's pod. After each: no ping lost, the same subnet, subnet.env and lease, the same
 * VTEP MAC on the same flannel.1, and every host's kernel entries exactly what the leases call
 * for — also after a host leaves while ours runs on upstream's entries.
 */
import { assert, assertEquals } from "../../harness/assert.ts";
import type { Host } from "../../../scripts/lab/cluster.ts";
import {
  stopAnyAgent,
  switchInPlace,
  type SwitchResult,
} from "../../../scripts/lab/node_switch.ts";
import {
  type AgentCluster,
  assertExactState,
  assertPodsPing,
  CONFIGS,
  withAgentCluster,
} from "../agent/setup.ts";
import { type Peer, peerOf, type RouteProto } from "../agent/state.ts";
import { startOurs, startUpstream, storedLeases, upstreamTestOpts } from "./setup.ts";

const opts = upstreamTestOpts("upstream switch tests");
const subnetKey = (cidr: string) => cidr.replace("/", "-");

async function vtepIndex(h: Host): Promise<number | null> {
  const r = await h.ns.exec("ip", ["-j", "link", "show", "flannel.1"]);
  return r.code === 0 ? (JSON.parse(r.stdout)[0]?.ifindex ?? null) : null;
}

/** What must stay the same across a switch on host 1. */
async function snapshot(h: Host, a: AgentCluster) {
  const p = await peerOf(h);
  return {
    subnet: p.subnet,
    mac: p.mac4,
    vtep: await vtepIndex(h),
    subnetEnv: await Deno.readTextFile(h.subnetFile),
    lease: (await storedLeases(a)).get(subnetKey(p.subnet!))?.value,
  };
}

for (const kind of ["vxlan", "host-gw"] as const) {
  Deno.test({
    ...opts,
    name: `switch ${kind}: host 1 upstream → ours → upstream in place — no ping lost, same ` +
      `subnet, lease and VTEP MAC on the same flannel.1, exact entries, nothing stale`,
    fn: () =>
      withAgentCluster(3, kind === "vxlan" ? CONFIGS.vxlan : CONFIGS.hostgw, async (a) => {
        const hosts = a.cluster.hosts;
        const [h1, h2, h3] = hosts as [Host, Host, Host];
        const runs = new Map<Host, "ours" | "upstream">([
          [h1, "upstream"],
          [h2, "ours"],
          [h3, "upstream"],
        ]);
        for (const h of hosts) runs.get(h) === "ours" ? startOurs(h, a) : startUpstream(h, a);
        const peers: Peer[] = [];
        for (const h of hosts) {
          await h.wirePod(await h.waitSubnetEnv());
          peers.push(await peerOf(h));
        }
        await assertPodsPing(hosts);
        // Upstream writes its routes with proto boot: on its hosts every route counts. Ours
        // must hold its own protocol everywhere, also on routes it took over from upstream.
        const protoOf = (p: Peer): RouteProto => runs.get(p.host) === "ours" ? "242" : "any";
        await assertExactState(peers, kind, 10_000, protoOf);
        const before = await snapshot(h1, a);

        const check = async (what: string, r: SwitchResult, live: Peer[]) => {
          const p = r.ping;
          assertEquals(
            p.lost,
            0,
            `${what}: ${p.lost} of ${p.sent} pings lost (gap ${p.longestGap})`,
          );
          assert(p.received > 30, `${what}: only ${p.received} pings answered`);
          assertEquals(await snapshot(h1, a), before, `${what}: host 1 kept its identity`);
          await assertExactState(live, kind, 10_000, protoOf);
          await assertPodsPing(live.map((x) => x.host));
        };

        runs.set(h1, "ours");
        const ping = { from: h2.pod, to: h1.podIP! };
        const toOurs = await switchInPlace({ host: h1, start: () => startOurs(h1, a), ping });
        await toOurs.agent.waitFor(/Initial sync/);
        await check("upstream → ours", toOurs, peers);

        // Host 3 (upstream) leaves while ours runs host 1 on entries upstream wrote.
        await stopAnyAgent(h3);
        await a.etcd.etcdctl("del", `${a.prefix}/subnets/${subnetKey(peers[2]!.subnet!)}`);
        const live = peers.slice(0, 2);
        await assertExactState(live, kind, 5000, protoOf);

        runs.set(h1, "upstream");
        const back = await switchInPlace({ host: h1, start: () => startUpstream(h1, a), ping });
        await check("ours → upstream", back, live);
      }),
  });
}
