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
 * Prints a Markdown section on stdout.
 */
import { Etcd3 } from "etcd3";
import { AGENT_V8_FLAGS } from "../../mod/agent/v8_flags.ts";
import { AGENT_DENO_FLAGS, AgentProcess } from "../../tests/harness/agent_process.ts";
import { Cluster, type Host } from "../../tests/harness/cluster.ts";
import { EtcdServer } from "../../tests/harness/etcd.ts";
import { exec } from "../../tests/harness/netns.ts";
import {
  agentFlags,
  leaseKey,
  leaseValue,
  parseIpTimestamp,
  peerSubnet,
  refBatches,
} from "./agent_data.ts";

const args = Deno.args;
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] ?? def : def;
};
const PEERS = Number(opt("peers", "5000"));
const RUNS = Number(opt("runs", "3"));
const ONLY = opt("only", "convergence,latency,dataplane,footprint").split(",");
/**
 * `DENO_V8_FLAGS` of the agents: `--v8 agent` (default) as deployed ({@linkcode
 * AGENT_V8_FLAGS}, the harness's default); `--v8 none` V8's defaults; anything else is used
 * as the flags.
 */
const V8 = opt("v8", "agent");
const v8Env = (v: string) => (v === "agent" ? {} : { DENO_V8_FLAGS: v === "none" ? "" : v });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const nowMs = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function withEtcd<T>(fn: (client: Etcd3, endpoint: string) => Promise<T>) {
  const etcd = await EtcdServer.start({ unixSocket: true });
  const client = new Etcd3({ hosts: etcd.endpoint });
  try {
    return await fn(client, etcd.unixEndpoint!);
  } finally {
    client.close();
    await etcd.close();
  }
}

async function putLeases(client: Etcd3, prefix: string, from: number, to: number) {
  const CONC = 64;
  for (let i = from; i < to; i += CONC) {
    const batch = [];
    for (let j = i; j < Math.min(to, i + CONC); j++) {
      batch.push(client.put(leaseKey(prefix, j)).value(leaseValue(j)));
    }
    await Promise.all(batch);
  }
}

async function entryCount(h: Host): Promise<number> {
  const count = async (cmd: string, a: string[]) =>
    (await exec(cmd, ["-n", h.ns.name, ...a])).stdout.trim().split("\n").filter((l) => l).length;
  return await count("ip", ["route", "show", "dev", "flannel.1", "proto", "242"]) +
    await count("ip", ["neigh", "show", "dev", "flannel.1", "nud", "permanent"]) +
    await count("bridge", ["fdb", "show", "dev", "flannel.1"]);
}

async function refConvergence(n: number): Promise<number> {
  const c = await Cluster.create({ hosts: 1, ipv6: false, prefix: "bc" });
  const dir = await Deno.makeTempDir({ prefix: "bench-ref-" });
  try {
    const h = c.hosts[0]!;
    await h.ns.ip(
      "link",
      "add",
      "flannel.1",
      "type",
      "vxlan",
      "id",
      "1",
      "dev",
      "eth0",
      "local",
      h.ip4,
      "nolearning",
      "dstport",
      "8472",
    );
    await h.ns.ip("link", "set", "flannel.1", "up");
    const { ip, bridge } = refBatches(n);
    await Deno.writeTextFile(`${dir}/ip`, ip);
    await Deno.writeTextFile(`${dir}/bridge`, bridge);
    const t0 = nowMs();
    await exec("ip", ["-n", h.ns.name, "-batch", `${dir}/ip`]);
    await exec("bridge", ["-n", h.ns.name, "-batch", `${dir}/bridge`]);
    const dt = nowMs() - t0;
    const got = await entryCount(h);
    if (got !== 3 * n) throw new Error(`reference installed ${got} entries, not ${3 * n}`);
    return dt;
  } finally {
    await c.destroy();
    await Deno.remove(dir, { recursive: true });
  }
}

/** Starts an agent on a fresh host with `n` leases waiting; returns time to converge and the host. */
async function agentConvergence(
  client: Etcd3,
  endpoint: string,
  n: number,
  env: Record<string, string>,
  keep = false,
) {
  const prefix = `/bench${Math.floor(Math.random() * 1e9)}/network`;
  await client.put(`${prefix}/config`).value(`{"Network":"10.0.0.0/8","Backend":{"Type":"vxlan"}}`);
  await putLeases(client, prefix, 0, n);
  const c = await Cluster.create({ hosts: 1, ipv6: false, prefix: "ba" });
  try {
    const h = c.hosts[0]!;
    const t0 = nowMs();
    h.agent = AgentProcess.start(
      h.ns.name,
      ["--iface", "eth0", "--subnet-file", h.subnetFile, ...agentFlags(endpoint, prefix)],
      env,
      "bench",
      AGENT_DENO_FLAGS,
    );
    await h.agent.waitFor(/Initial sync/, 120_000);
    const dt = nowMs() - t0;
    const got = await entryCount(h);
    if (got !== 3 * n) {
      throw new Error(`agent installed ${got} entries, not ${3 * n}\n${h.agent.log()}`);
    }
    if (!keep) await c.destroy();
    return { ms: dt, cluster: c, host: h, prefix };
  } catch (err) {
    await c.destroy(); // namespaces and the agent go, also on failure
    throw err;
  }
}

async function convergence(out: string[]) {
  await withEtcd(async (client, etcd) => {
    const ref: number[] = [], agent: number[] = [];
    // V8 rejects a code cache written under other flags (this process imported npm:etcd3
    // with V8's defaults): one unmeasured start makes it the agent's again, as on a node.
    await agentConvergence(client, etcd, 0, v8Env(V8));
    for (let r = 0; r < RUNS; r++) {
      ref.push(await refConvergence(PEERS));
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
    const mon = new Deno.Command("ip", {
      args: ["-n", host.ns.name, "-ts", "monitor", "route"],
      env: { TZ: "UTC" },
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const seen = new Map<string, number>();
    const pump = (async () => {
      let rest = "";
      for await (const chunk of mon.stdout.pipeThrough(new TextDecoderStream())) {
        rest += chunk;
        const lines = rest.split("\n");
        rest = lines.pop()!;
        for (const l of lines) {
          const m = l.match(/^\[([^\]]+)\]\s+(\S+) via .* proto 242/);
          if (m && !seen.has(m[2]!)) seen.set(m[2]!, parseIpTimestamp(m[1]!));
        }
      }
    })();
    try {
      await sleep(300);
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
      mon.kill();
      await pump.catch(() => {});
      await mon.status;
      await cluster.destroy();
    }
  });
}

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

async function handOverlay(c: Cluster, kind: "vxlan" | "host-gw") {
  const subnets = c.hosts.map((_, i) => `10.244.${i + 1}.0/24`);
  for (const [i, h] of c.hosts.entries()) {
    const mtu = kind === "vxlan" ? "1450" : "1500";
    if (kind === "vxlan") {
      await h.ns.ip(
        "link",
        "add",
        "flannel.1",
        "address",
        `0e:00:00:00:00:0${i + 1}`,
        "mtu",
        mtu,
        "type",
        "vxlan",
        "id",
        "1",
        "dev",
        "eth0",
        "local",
        h.ip4,
        "nolearning",
        "dstport",
        "8472",
      );
      await h.ns.ip("addr", "add", `10.244.${i + 1}.0/32`, "dev", "flannel.1");
      await h.ns.ip("link", "set", "flannel.1", "up");
    }
    for (const [j, p] of c.hosts.entries()) {
      if (j === i) continue;
      if (kind === "vxlan") {
        const mac = `0e:00:00:00:00:0${j + 1}`;
        await h.ns.ip(
          "neigh",
          "replace",
          `10.244.${j + 1}.0`,
          "lladdr",
          mac,
          "dev",
          "flannel.1",
          "nud",
          "permanent",
        );
        await exec("bridge", [
          "-n",
          h.ns.name,
          "fdb",
          "replace",
          mac,
          "dev",
          "flannel.1",
          "self",
          "dst",
          p.ip4,
          "permanent",
        ]);
        await h.ns.ip(
          "route",
          "replace",
          subnets[j]!,
          "via",
          `10.244.${j + 1}.0`,
          "dev",
          "flannel.1",
          "onlink",
        );
      } else {
        await h.ns.ip("route", "replace", subnets[j]!, "via", p.ip4, "dev", "eth0");
      }
    }
    await h.wirePod(new Map([["FLANNEL_SUBNET", `10.244.${i + 1}.1/24`], ["FLANNEL_MTU", mtu]]));
  }
}

async function dataplane(out: string[]) {
  await withEtcd(async (client, etcd) => {
    for (const kind of ["vxlan", "host-gw"] as const) {
      const agentRuns: number[] = [], refRuns: number[] = [];
      for (let r = 0; r < RUNS; r++) {
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

async function rssOf(pid: number): Promise<{ hwm: number; rss: number }> {
  const s = await Deno.readTextFile(`/proc/${pid}/status`);
  const kb = (k: string) => Number(s.match(new RegExp(`${k}:\\s+(\\d+)`))?.[1] ?? 0) / 1024;
  return { hwm: kb("VmHWM"), rss: kb("VmRSS") };
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
          hwm.push((await rssOf(host.agent!.pid)).hwm);
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
  if (ONLY.includes("dataplane")) await dataplane(out);
  if (ONLY.includes("footprint")) await footprint(out);
  console.log(out.join("\n"));
}
