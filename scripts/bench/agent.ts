/**
 * Agent benchmarks (BENCHMARKS.md "## Agent"), each side by side with its reference in the
 * same run, inside throwaway namespaces:
 *
 * - convergence: N remote vxlan leases waiting in etcd; agent start → all 3·N kernel entries
 *   present (the agent logs "Initial sync" once its batched full pass is acknowledged; the
 *   count is then verified), against `ip -batch` + `bridge -batch` installing the same entries;
 *   one unmeasured agent start first (code cache, see `convergence`);
 * - event latency: lease put in etcd → route in the kernel, the kernel side timestamped by
 *   `ip -ts monitor route`, 200 events 50 ms apart; split at the moment etcd delivers the
 *   event to a plain watcher in this process (etcd's part, then the agent's);
 * - data plane: iperf3 pod to pod over the agent's vxlan (and host-gw) against the same overlay
 *   (plain routes) configured by hand with iproute2;
 * - footprint: the agent's peak RSS (VmHWM) holding N peers, as deployed and with V8's defaults.
 *
 * Usage: `deno run -A scripts/bench/agent.ts [--peers 5000] [--runs 3] [--only a,b]
 * [--v8 agent|none|<flags>]`.
 * Prints a Markdown section on stdout. The pieces: ./agent_runs.ts (etcd, agents),
 * ./agent_dataplane.ts (the data plane measure), ./overlay.ts (the hand-made side),
 * ./agent_data.ts (the synthetic cluster).
 */
import type { Etcd3 } from "etcd3";
import { AGENT_V8_FLAGS } from "../../mod/agent/v8_flags.ts";
import { leaseKey, leaseValue, peerSubnet, refBatches } from "./agent_data.ts";
import { dataplane } from "./agent_dataplane.ts";
import { agentConvergence, withEtcd } from "./agent_runs.ts";
import { argOpt, median, nowMs, procMemoryMiB, sleep } from "./common.ts";
import { RouteMonitor, timeReference } from "./overlay.ts";

const opt = (name: string, def: string) => argOpt(Deno.args, name, def);
const PEERS = Number(opt("peers", "5000"));
const RUNS = Number(opt("runs", "3"));
const ONLY = opt("only", "convergence,latency,dataplane,footprint").split(",");
/**
 * `DENO_V8_FLAGS` of the agents: `--v8 agent` (default) as deployed ({@linkcode
 * AGENT_V8_FLAGS}, the lab agent wrapper's default); `--v8 none` V8's defaults; anything else is used
 * as the flags.
 */
const V8 = opt("v8", "agent");
const v8Env = (v: string) => (v === "agent" ? {} : { DENO_V8_FLAGS: v === "none" ? "" : v });

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

async function convergence(out: string[]) {
  await withEtcd(async (client, etcd) => {
    const ref: number[] = [], agent: number[] = [];
    // V8 rejects a code cache written under other flags (this process imported npm:etcd3
    // with V8's defaults): one unmeasured start makes it the agent's again, as on a node.
    await agentConvergence(client, etcd, 0, v8Env(V8));
    for (let r = 0; r < RUNS; r++) {
      ref.push(await timeReference(refBatches(PEERS), PEERS, "bc"));
      agent.push((await agentConvergence(client, etcd, PEERS, v8Env(V8))).ms);
    }
    const ratio = median(agent) / median(ref);
    out.push(
      `| convergence, ${PEERS} leases → ${3 * PEERS} entries | ${median(agent).toFixed(0)} ms | ` +
        `${median(ref).toFixed(0)} ms (\`ip -batch\` + \`bridge -batch\`) | ${ratio.toFixed(2)}× |`,
    );
    console.error(
      `convergence runs: agent ${agent.map((x) => x.toFixed(0))} ref ${
        ref.map((x) => x.toFixed(0))
      }`,
    );
  });
}

/** Puts 200 leases 50 ms apart; when each was put, and the put's round trip. */
async function putEvents(client: Etcd3, prefix: string) {
  const put = new Map<string, number>();
  const rtt: number[] = [];
  for (let i = 0; i < 200; i++) {
    const k = 1000 + i;
    const t0 = nowMs();
    put.set(peerSubnet(k), t0);
    await client.put(leaseKey(prefix, k)).value(leaseValue(k));
    rtt.push(nowMs() - t0);
    await sleep(50);
  }
  return { put, rtt };
}

async function latency(out: string[]) {
  await withEtcd(async (client, etcd) => {
    const { cluster, host, prefix } = await agentConvergence(client, etcd, 0, v8Env(V8), true);
    // A plain watcher in this process: when etcd delivers each put to any watcher.
    const delivered = new Map<string, number>();
    const watcher = await client.watch().prefix(`${prefix}/subnets/`).create();
    watcher.on("put", (kv) => {
      const key = kv.key.toString();
      const subnet = key.slice(key.lastIndexOf("/") + 1).replace("-", "/");
      if (!delivered.has(subnet)) delivered.set(subnet, nowMs());
    });
    const mon = new RouteMonitor(host);
    const seen = mon.seen;
    try {
      await sleep(300);
      const { put, rtt } = await putEvents(client, prefix);
      await sleep(500);
      const done = [...put].filter(([s]) => seen.has(s) && delivered.has(s));
      if (done.length < 200) throw new Error(`only ${done.length} of 200 routes seen`);
      const total = done.map(([s, t]) => seen.get(s)! - t);
      const etcdPart = done.map(([s, t]) => delivered.get(s)! - t);
      const agentPart = done.map(([s]) => seen.get(s)! - delivered.get(s)!);
      const pp = (xs: number[]) => `${pct(xs, 0.5).toFixed(2)} / ${pct(xs, 0.99).toFixed(2)} ms`;
      out.push(
        `| event latency p50 / p99 (200 puts, 50 ms apart) | ${pp(total)} | ` +
          `upstream flanneld measured here: 2.4 / 4.5 ms | ${
            (pct(total, 0.5) / 2.4).toFixed(2)
          }× / ${(pct(total, 0.99) / 4.5).toFixed(2)}× |`,
        `| … of which put → etcd delivers the event to a watcher (this process) | ${
          pp(etcdPart)
        } | put round trip ${pp(rtt)} | |`,
        `| … of which event delivered → route in the kernel (the agent's share) | ${
          pp(agentPart)
        } | | |`,
      );
    } finally {
      await watcher.cancel().catch(() => {});
      await mon.stop();
      await cluster.destroy();
    }
  });
}

async function footprint(out: string[]) {
  await withEtcd(async (client, etcd) => {
    const runs = [
      [`\`DENO_V8_FLAGS=${AGENT_V8_FLAGS}\` (as deployed)`, v8Env("agent")],
      ["V8's default flags", v8Env("none")],
    ] as const;
    for (const [label, env] of runs) {
      const hwm: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const { cluster, host } = await agentConvergence(client, etcd, PEERS, env, true);
        try {
          await sleep(12_000); // one periodic full pass (10 s) over all entries
          hwm.push(procMemoryMiB(host.agent!.pid).hwm);
        } finally {
          await cluster.destroy();
        }
      }
      out.push(
        `| footprint, peak RSS holding ${PEERS} peers (${label}) | ${
          median(hwm).toFixed(0)
        } MiB | ` +
          `upstream flanneld measured here: 45–56 MB; target ≤ 100 MiB | ${
            (median(hwm) / 100).toFixed(2)
          }× of target |`,
      );
    }
  });
}

if (import.meta.main) {
  const out = ["| measure | agent | reference (same run) | ratio |", "|---|---|---|---|"];
  if (ONLY.includes("convergence")) await convergence(out);
  if (ONLY.includes("latency")) await latency(out);
  if (ONLY.includes("dataplane")) await dataplane(out, RUNS);
  if (ONLY.includes("footprint")) await footprint(out);
  console.log(out.join("\n"));
}
