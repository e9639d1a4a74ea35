/**
 * The in-place switch between upstream flanneld v0.22.0 and ours (BENCHMARKS.md "## Switching
 * a node in place"): a host's agent stopped (SIGTERM) and the other one started on the same
 * subnet.env, etcd and devices, while a pod on another host pings a pod on it (`ping -i 0.01`;
 * the interval ping really kept is reported, ≈ 16 ms here).
 *
 * Per run, on two fresh hosts (host 2 runs ours and pings), host 1 goes through
 * upstream → upstream (the reference restart) → ours → ours → upstream, and each switch
 * records the pings lost, the longest gap (probes × the kept interval), SIGTERM → old agent
 * gone, and SIGTERM → the new agent's `Running backend.` (both print it once subnet.env is
 * written and the backend runs; ours answers /readyz 200 just before). Medians per direction,
 * side by side, per backend.
 *
 * Usage: `deno run -A scripts/bench/switch.ts [--runs 5] [--backends vxlan,host-gw]` (root;
 * needs upstream's binaries: `$FLANNEL_UPSTREAM_DIR` or ../shared/upstream next to the repo).
 * Prints a Markdown section on stdout.
 */
import { Cluster, type Host } from "../lab/cluster.ts";
import { EtcdServer } from "../lab/etcd.ts";
import { stopAnyAgent, switchInPlace, type SwitchResult } from "../lab/node_switch.ts";
import { findUpstream, type UpstreamBins, upstreamEtcdFlags } from "../lab/upstream.ts";
import { argOpt, median } from "./common.ts";

/** Which agent runs before and after a switch. */
export type Side = "upstream" | "ours";
/** The switches of one run, in order. */
export const SEQUENCE: readonly [Side, Side][] = [
  ["upstream", "upstream"],
  ["upstream", "ours"],
  ["ours", "ours"],
  ["ours", "upstream"],
];

/** One switch's figures. */
export type Sample = Pick<SwitchResult, "downMs" | "readyMs"> & {
  lost: number;
  sent: number;
  /** Longest run of unanswered probes. */
  gap: number;
  /** The interval ping kept, ms. */
  intervalMs: number;
};

/** A row of the result table. */
export interface Row {
  direction: string;
  runs: number;
  lost: string;
  intervalMs: string;
  gapMs: string;
  downMs: string;
  readyMs: string;
}

const range = (xs: number[], d = 0) =>
  `${median(xs).toFixed(d)} (${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)})`;

/** PURE: medians (min–max) per direction, in {@linkcode SEQUENCE} order. */
export function summarise(samples: ReadonlyMap<string, Sample[]>): Row[] {
  const rows: Row[] = [];
  for (const [from, to] of SEQUENCE) {
    const direction = `${from} → ${to}`;
    const s = samples.get(direction) ?? [];
    if (s.length === 0) continue;
    rows.push({
      direction,
      runs: s.length,
      lost: `${range(s.map((x) => x.lost))} of ${median(s.map((x) => x.sent))}`,
      intervalMs: range(s.map((x) => x.intervalMs), 1),
      gapMs: range(s.map((x) => x.gap * x.intervalMs)),
      downMs: range(s.map((x) => x.downMs)),
      readyMs: range(s.map((x) => x.readyMs)),
    });
  }
  return rows;
}

/** PURE: the rows as a Markdown table. */
export function markdown(rows: Row[]): string {
  const head = [
    "| switch | runs | pings lost, median (min–max) of sent | ping interval kept, ms | longest gap, ms | SIGTERM → old gone, ms | SIGTERM → new ready, ms |",
    "| --- | --- | --- | --- | --- | --- | --- |",
  ];
  const body = rows.map((r) =>
    `| ${r.direction} | ${r.runs} | ${r.lost} | ${r.intervalMs} | ${r.gapMs} | ${r.downMs} | ${r.readyMs} |`
  );
  return [...head, ...body].join("\n");
}

interface Bench {
  etcd: EtcdServer;
  bins: UpstreamBins;
  backend: string;
  intervalMs: number;
}

function starter(b: Bench, h: Host, prefix: string, side: Side) {
  const flags = upstreamEtcdFlags(b.etcd.unixEndpoint!, prefix);
  return () => side === "ours" ? h.startAgent(flags) : h.startAgent(flags, {}, b.bins.flanneld);
}

/** One run on fresh hosts: every switch of {@linkcode SEQUENCE}, samples appended. */
async function oneRun(b: Bench, run: number, into: Map<string, Sample[]>): Promise<void> {
  const prefix = `/switch${run}${Math.floor(Math.random() * 1e6)}/network`;
  await b.etcd.etcdctl("put", `${prefix}/config`, configOf(b.backend));
  const c = await Cluster.create({ hosts: 2, ipv6: false, prefix: "bw" });
  try {
    const [h1, h2] = c.hosts as [Host, Host];
    starter(b, h1, prefix, "upstream")();
    starter(b, h2, prefix, "ours")();
    for (const h of c.hosts) await h.wirePod(await h.waitSubnetEnv());
    await h2.agent!.waitFor(/Initial sync/, 30_000);
    const ping = { from: h2.pod, to: h1.podIP! };
    for (const [from, to] of SEQUENCE) {
      const r = await switchInPlace({
        host: h1,
        start: starter(b, h1, prefix, to),
        ping,
        intervalMs: b.intervalMs,
      });
      const key = `${from} → ${to}`;
      const { lost, sent, longestGap: gap, intervalMs } = r.ping;
      const s = { downMs: r.downMs, readyMs: r.readyMs, lost, sent, gap, intervalMs };
      into.set(key, [...into.get(key) ?? [], s]);
      if (to === "ours") await r.agent.waitFor(/Initial sync/, 30_000);
    }
    for (const h of c.hosts) await stopAnyAgent(h);
  } catch (err) {
    console.error(c.logs());
    throw err;
  } finally {
    await c.destroy();
  }
}

const configOf = (backend: string) => `{"Network":"10.244.0.0/16","Backend":{"Type":"${backend}"}}`;

async function main(): Promise<number> {
  const runs = Number(argOpt(Deno.args, "runs", "5"));
  const backends = argOpt(Deno.args, "backends", "vxlan,host-gw").split(",");
  const intervalMs = 10;
  if (!(runs >= 1 && runs <= 50)) throw new Error(`--runs must be 1..50, not "${runs}"`);
  const up = await findUpstream();
  if (up.bins === null) {
    console.error(`switch bench: ${up.reason}`);
    return 1;
  }
  const etcd = await EtcdServer.start({ unixSocket: true });
  try {
    console.log(`## Switching a node in place (${runs} runs, \`ping -i ${intervalMs / 1000}\`)\n`);
    for (const backend of backends) {
      const samples = new Map<string, Sample[]>();
      const b = { etcd, bins: up.bins, backend, intervalMs };
      for (let run = 1; run <= runs; run++) await oneRun(b, run, samples);
      console.log(`### ${backend}\n\n${markdown(summarise(samples))}\n`);
    }
  } finally {
    await etcd.close();
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main());
