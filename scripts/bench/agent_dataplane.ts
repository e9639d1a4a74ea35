/**
 * The agent benchmark's data plane measure: iperf3 pod to pod over the agent's vxlan (and
 * host-gw) against the same overlay (plain routes) configured by hand with iproute2, two
 * hosts each, in the same run.
 */
import { Cluster, type Host } from "../lab/cluster.ts";
import { exec } from "../lab/netns.ts";
import { agentFlags } from "./agent_data.ts";
import { withEtcd } from "./agent_runs.ts";
import { median, sleep } from "./common.ts";
import { addVxlan } from "./overlay.ts";

async function iperf(from: Host, to: Host): Promise<number> {
  const srv = new Deno.Command("ip", {
    args: ["netns", "exec", to.pod.name, "iperf3", "-s", "-1"],
    stdout: "null",
    stderr: "null",
  }).spawn();
  await sleep(300);
  const r = await from.pod.exec("iperf3", ["-c", to.podIP!, "-t", "4", "-J"]);
  await srv.status;
  return (JSON.parse(r.stdout).end.sum_received.bits_per_second as number) / 1e9;
}

/** On every host of `c`, what the agent would program, written by hand with iproute2. */
async function handOverlay(c: Cluster, kind: "vxlan" | "host-gw") {
  const mac = (i: number) => `0e:00:00:00:00:0${i + 1}`;
  const mtu = kind === "vxlan" ? 1450 : 1500;
  for (const [i, h] of c.hosts.entries()) {
    if (kind === "vxlan") {
      await addVxlan(h.ns, h.ip4, { mac: mac(i), mtu });
      await h.ns.ip("addr", "add", `10.244.${i + 1}.0/32`, "dev", "flannel.1");
    }
    for (const [j, p] of c.hosts.entries()) {
      if (j === i) continue;
      const subnet = `10.244.${j + 1}.0/24`, gw = `10.244.${j + 1}.0`;
      if (kind === "host-gw") {
        await h.ns.ip("route", "replace", subnet, "via", p.ip4, "dev", "eth0");
        continue;
      }
      await h.ns.ip(
        ...`neigh replace ${gw} lladdr ${mac(j)} dev flannel.1 nud permanent`.split(" "),
      );
      const fdb = `fdb replace ${mac(j)} dev flannel.1 self dst ${p.ip4} permanent`;
      await exec("bridge", ["-n", h.ns.name, ...fdb.split(" ")]);
      await h.ns.ip(...`route replace ${subnet} via ${gw} dev flannel.1 onlink`.split(" "));
    }
    await h.wirePod(
      new Map([["FLANNEL_SUBNET", `10.244.${i + 1}.1/24`], ["FLANNEL_MTU", String(mtu)]]),
    );
  }
}

/** One table row per backend: the agent's median throughput against the hand-made overlay's. */
export async function dataplane(out: string[], runs: number) {
  await withEtcd(async (client, etcd) => {
    for (const kind of ["vxlan", "host-gw"] as const) {
      const agentRuns: number[] = [], refRuns: number[] = [];
      for (let r = 0; r < runs; r++) {
        const a = await Cluster.create({ hosts: 2, ipv6: false, prefix: "bd" });
        try {
          const prefix = `/benchdp${r}${kind}/network`;
          await client.put(`${prefix}/config`).value(
            `{"Network":"10.244.0.0/16","Backend":{"Type":"${kind}"}}`,
          );
          for (const h of a.hosts) h.startAgent(agentFlags(etcd, prefix));
          for (const h of a.hosts) await h.wirePod(await h.waitSubnetEnv());
          await a.hosts[0]!.agent!.waitFor(/Initial sync/);
          await sleep(500);
          agentRuns.push(await iperf(a.hosts[0]!, a.hosts[1]!));
        } finally {
          await a.destroy();
        }
        const b = await Cluster.create({ hosts: 2, ipv6: false, prefix: "bh" });
        try {
          await handOverlay(b, kind);
          refRuns.push(await iperf(b.hosts[0]!, b.hosts[1]!));
        } finally {
          await b.destroy();
        }
      }
      const ratio = median(agentRuns) / median(refRuns);
      out.push(
        `| data plane ${kind}, iperf3 pod → pod | ${median(agentRuns).toFixed(2)} Gbit/s | ` +
          `${median(refRuns).toFixed(2)} Gbit/s (same overlay by hand) | ${ratio.toFixed(2)}× |`,
      );
    }
  });
}
