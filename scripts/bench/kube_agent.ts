/**
 * Agent-level Kubernetes benchmarks (BENCHMARKS.md "## Kubernetes"), root only, in throwaway
 * namespaces: the Kubernetes API test server runs in the switch namespace of a 1-host cluster,
 * pre-filled with N managed nodes of kubelet size; the agent is `main.ts --kube-subnet-mgr`
 * in the host namespace (node `h1`).
 *
 * - start → ready: agent spawn → its "Initial sync" line (all 3·N vxlan entries acknowledged;
 *   the count is verified), against `ip -batch` + `bridge -batch` installing the same entries
 *   on a hand-made `flannel.1` in the same run;
 * - node update → kernel: a new managed node added through the admin socket → its route in the
 *   kernel, timestamped by `ip -ts monitor route`, 100 nodes 50 ms apart;
 * - memory: the agent's VmRSS / VmHWM holding N nodes, with V8's default flags and as deployed
 *   (`DENO_V8_FLAGS` = AGENT_V8_FLAGS, which the lab agent wrapper sets unless told otherwise).
 *
 * Usage: `deno run -A scripts/bench/kube_agent.ts [--nodes 1000] [--runs 3]`.
 */
import { AgentProcess } from "../lab/agent_process.ts";
import { AGENT_V8_FLAGS } from "../../mod/agent/v8_flags.ts";
import { Cluster, type Host } from "../lab/cluster.ts";
import { nodeAddrs } from "../lab/kube_api/fill.ts";
import { KubeSwitchApi } from "../lab/kube_switch.ts";
import { argOpt, nowMs, procMemoryMiB, sleep } from "./common.ts";
import { entryCount, RouteMonitor, timeReference } from "./overlay.ts";

const opt = (name: string, def: string) => argOpt(Deno.args, name, def);
const NODES = Number(opt("nodes", "1000"));
const RUNS = Number(opt("runs", "3"));
const P = "flannel.alpha.coreos.com/";
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

function managedNode(i: number) {
  const a = nodeAddrs(i);
  return {
    name: `node-${i}`,
    podCIDR: a.podCIDR,
    annotations: {
      [P + "kube-subnet-manager"]: "true",
      [P + "backend-type"]: "vxlan",
      [P + "backend-data"]: `{"VNI":1,"VtepMAC":"${a.mac}"}`,
      [P + "public-ip"]: a.ip,
    },
  };
}

/** The same 3·n entries through `ip -batch` + `bridge -batch`. */
function referenceBatches(n: number): { ip: string; bridge: string } {
  const ip: string[] = [], bridge: string[] = [];
  for (let i = 0; i < n; i++) {
    const a = nodeAddrs(i);
    const gw = a.podCIDR.split("/")[0];
    ip.push(`neigh replace ${gw} lladdr ${a.mac} dev flannel.1 nud permanent`);
    ip.push(`route replace ${a.podCIDR} via ${gw} dev flannel.1 onlink proto 242`);
    bridge.push(`fdb replace ${a.mac} dev flannel.1 self dst ${a.ip} permanent`);
  }
  return { ip: ip.join("\n") + "\n", bridge: bridge.join("\n") + "\n" };
}

/** Measures one agent; with `latency`, also update → route for 100 new nodes. */
async function agentRun(v8Flags: string, latency: boolean) {
  const c = await Cluster.create({ hosts: 1, ipv6: false, prefix: "bka" });
  const api = await KubeSwitchApi.start(c);
  try {
    const h = c.hosts[0]!;
    await api.admin.op("fill", { count: NODES });
    await api.admin.op("node", { name: "h1", podCIDR: "10.200.0.0/24" });
    const conf = `${api.dir}/net-conf.json`;
    await Deno.writeTextFile(conf, '{"Network":"10.0.0.0/8","Backend":{"Type":"vxlan"}}');
    const t0 = nowMs();
    h.agent = AgentProcess.start(
      h.ns.name,
      [
        "--iface",
        "eth0",
        "--subnet-file",
        h.subnetFile,
        "--kube-subnet-mgr",
        "--kubeconfig-file",
        api.kubeconfig,
        "--net-config-path",
        conf,
      ],
      // An empty DENO_V8_FLAGS means V8's defaults (the lab agent wrapper leaves it out).
      { env: { NODE_NAME: "h1", DENO_V8_FLAGS: v8Flags }, tag: "bench" },
    );
    await h.agent.waitFor(/Initial sync/, 180_000);
    const startMs = nowMs() - t0;
    const got = await entryCount(h);
    if (got !== 3 * NODES) {
      throw new Error(`agent installed ${got} of ${3 * NODES}\n${h.agent.log()}`);
    }
    await sleep(1000);
    const mem = procMemoryMiB(h.agent.pid);
    const lat = latency ? await updateLatency(h, api) : [];
    return { startMs, lat, ...mem };
  } finally {
    await api.stop();
    await c.destroy();
  }
}

async function updateLatency(h: Host, api: KubeSwitchApi): Promise<number[]> {
  const mon = new RouteMonitor(h);
  const seen = mon.seen;
  try {
    await sleep(300);
    const sent = new Map<string, number>();
    for (let k = 0; k < 100; k++) {
      const node = managedNode(NODES + k);
      sent.set(node.podCIDR, nowMs());
      await api.admin.op("node", node);
      await sleep(50);
    }
    await sleep(1000);
    const lat = [...sent].filter(([s]) => seen.has(s)).map(([s, t]) => seen.get(s)! - t);
    if (lat.length < 100) throw new Error(`only ${lat.length} of 100 routes seen`);
    return lat;
  } finally {
    await mon.stop();
  }
}

const ref: number[] = [], def: Awaited<ReturnType<typeof agentRun>>[] = [], tuned: typeof def = [];
// V8 rejects a code cache written under other flags, and a rejected cache of client-node's
// module graph costs ≈ 0.5–0.9 s: each variant's runs go together, after one unmeasured start.
for (const [v8, into] of [["", def], [AGENT_V8_FLAGS, tuned]] as const) {
  await agentRun(v8, false);
  for (let r = 0; r < RUNS; r++) {
    ref.push(await timeReference(referenceBatches(NODES), NODES, "bkr"));
    into.push(await agentRun(v8, r === 0));
  }
}
const f = (x: number) => x.toFixed(1);
const lat = [...def, ...tuned].flatMap((x) => x.lat);
console.log(`Agent level, ${NODES} nodes (3·${NODES} vxlan entries), ${RUNS} runs (medians):\n`);
console.log(
  `| measure | agent (V8 defaults) | agent as deployed (\`DENO_V8_FLAGS=${AGENT_V8_FLAGS}\`) | reference |`,
);
console.log("| --- | --- | --- | --- |");
console.log(
  `| spawn → all entries programmed (ms) | ${f(median(def.map((x) => x.startMs)))} | ` +
    `${f(median(tuned.map((x) => x.startMs)))} | ${
      f(median(ref))
    } (\`ip -batch\` + \`bridge -batch\`) |`,
);
console.log(
  `| RSS / peak RSS (MiB) | ${f(median(def.map((x) => x.rss)))} / ${
    f(median(def.map((x) => x.hwm)))
  } | ` +
    `${f(median(tuned.map((x) => x.rss)))} / ${f(median(tuned.map((x) => x.hwm)))} | — |`,
);
console.log(
  `\nNew node → route in the kernel (${lat.length} events, both variants): ` +
    `p50 ${f(median(lat))} ms, p99 ${f(pct(lat, 99))} ms.`,
);
