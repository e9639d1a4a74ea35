/**
 * `deno task demo`: a 3-host flannel cluster in network namespaces on this machine, built,
 * shown working, and torn down — the one command to see this project do its job.
 *
 * Builds a switch namespace (bridge, underlay 198.18.0.0/24) and three host namespaces, runs
 * one agent per host (embedded local store, or `--store etcd` for a real etcd), wires two pods
 * per host through our CNI mode, prints a ping matrix (6×6 pods) and an iperf3 figure from a
 * pod to a pod on another host, then removes everything — also on Ctrl-C or failure.
 *
 * Usage: `deno task demo [--backend vxlan|host-gw] [--store local|etcd] [--keep]`
 * (`--keep`: leave the cluster up until Ctrl-C, to poke at it).
 */
import { parseArgs } from "node:util";
import { formatBps, iperf, ping, type PingResult } from "./sandbox/measure.ts";
import { matrixSummary, pingMatrix, stepLine, table } from "./sandbox/report.ts";
import {
  type BackendName,
  HEALTHZ_PORT,
  Sandbox,
  sandboxChoice,
  type StoreName,
} from "./sandbox/sandbox.ts";
import { cacheDeps, ensureSetup, interruptible, requireRoot } from "./sandbox/session.ts";

const USAGE = `Usage: deno task demo [--backend vxlan|host-gw] [--store local|etcd] [--keep]

Builds a 3-host flannel cluster in network namespaces on this machine, wires two pods per
host through flannel's CNI plugin, shows a ping matrix and pod-to-pod throughput, and
removes everything again. Needs root (network namespaces). --keep leaves it up until Ctrl-C.`;

interface DemoArgs {
  backend: BackendName;
  store: StoreName;
  keep: boolean;
}

/** PURE: the command line, or the text to print and the status to exit with. */
export function parseDemoArgs(argv: string[]): DemoArgs | { exit: number; text: string } {
  let v;
  try {
    v = parseArgs({
      args: argv,
      options: {
        backend: { type: "string", default: "vxlan" },
        store: { type: "string", default: "local" },
        keep: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values;
  } catch (err) {
    return { exit: 2, text: `demo: ${(err as Error).message}\n\n${USAGE}` };
  }
  if (v.help) return { exit: 0, text: USAGE };
  const choice = sandboxChoice(v.backend, v.store);
  if (typeof choice === "string") return { exit: 2, text: `demo: ${choice}` };
  return { ...choice, keep: v.keep };
}

const say = (line = "") => console.log(line);

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await fn();
  return [v, performance.now() - t0];
}

async function describe(sb: Sandbox): Promise<void> {
  say(`  switch namespace ${sb.cluster.switchNs.name}: bridge br0, underlay 198.18.0.0/24`);
  const rows: string[][] = [];
  for (const h of sb.cluster.hosts) {
    const a = sb.agents.get(h.index)!;
    rows.push([
      `host ${h.index}`,
      h.ns.name,
      `eth0 ${h.ip4}`,
      `subnet ${await sb.subnetOf(h)}`,
      `agent pid ${a.pid}`,
    ]);
  }
  say(table(rows));
}

async function showMatrix(sb: Sandbox): Promise<boolean> {
  const pods = sb.pods;
  const results: (PingResult | null)[][] = await Promise.all(
    pods.map((from) => Promise.all(pods.map((to) => from === to ? null : ping(from.ns, to.ip)))),
  );
  say("Ping matrix (row pings column; ✓ answered, RTT in ms):");
  say(pingMatrix(pods.map((p) => p.name), results));
  const summary = matrixSummary(pods.map((p) => p.name), results);
  say(`  ${summary}`);
  return results.every((row) => row.every((r) => r === null || r.ok));
}

async function run(args: DemoArgs, signal: AbortSignal): Promise<number> {
  say(
    `flannel demo: 3 hosts in network namespaces on this machine (${args.backend} backend, ` +
      `${args.store === "local" ? "embedded local store" : "etcd"}), 2 pods per host.`,
  );
  say("Nothing outside the new namespaces is touched; everything is removed at the end.");
  say();
  const [, tc] = await timed(() => cacheDeps());
  say(stepLine("dependencies cached for offline use inside the namespaces", tc));
  const [sb, tb] = await timed(() => Sandbox.create({ backend: args.backend, store: args.store }));
  try {
    say(stepLine(`built the switch and 3 hosts${sb.etcd ? ", started etcd" : ""}`, tb));
    if (sb.nftables) say("  (br_netfilter is not loaded: the agents use nftables mode)");
    signal.throwIfAborted();
    const [, ta] = await timed(() => sb.startAgents());
    say(stepLine("3 agents leased subnets, installed their rules and answer /readyz", ta));
    await describe(sb);
    signal.throwIfAborted();
    const [, tp] = await timed(() => sb.addPods());
    say(
      stepLine(
        `${sb.pods.length} pods wired by flannel's CNI plugin (bridge cni0, host-local IPAM)`,
        tp,
      ),
    );
    say(table(sb.pods.map((p) => [p.name, p.ns.name, p.ip, `on host ${p.host.index}`])));
    say();
    signal.throwIfAborted();
    const allOk = await showMatrix(sb);
    say();
    const [a, b] = [sb.pods[0]!, sb.pods.at(-2)!];
    const bps = await iperf(a.ns, b.ns, b.ip);
    say(
      `Throughput ${a.name} → ${b.name} (iperf3 TCP, 2 s, across hosts over ${args.backend}): ` +
        formatBps(bps),
    );
    say();
    if (args.keep) await keepUntilSignal(sb, signal);
    return allOk ? 0 : 1;
  } finally {
    const [, td] = await timed(() => sb.destroy());
    say(stepLine("cleaned up: agents stopped, namespaces and temporary files removed", td));
  }
}

async function keepUntilSignal(sb: Sandbox, signal: AbortSignal): Promise<void> {
  const [a, b, h1] = [sb.pods[0]!, sb.pods.at(-1)!, sb.cluster.hosts[0]!];
  const main = new URL("../main.ts", import.meta.url).pathname;
  const status = `status --subnet-file ${h1.subnetFile} --healthz-port ${HEALTHZ_PORT}`;
  say("The cluster stays up (--keep). Try, in another terminal:");
  say(`  sudo ip netns exec ${a.ns.name} ping ${b.ip}`);
  say(`  sudo ip netns exec ${h1.ns.name} ip route`);
  say(
    `  sudo ip netns exec ${h1.ns.name} ${Deno.execPath()} run -A --cached-only ${main} ${status}`,
  );
  say("Press Ctrl-C to remove it.");
  await new Promise<void>((r) => signal.addEventListener("abort", () => r(), { once: true }));
}

if (import.meta.main) {
  const parsed = parseDemoArgs(Deno.args);
  if ("exit" in parsed) {
    (parsed.exit === 0 ? console.log : console.error)(parsed.text);
    Deno.exit(parsed.exit);
  }
  requireRoot("demo");
  await ensureSetup("demo");
  Deno.exit(await interruptible("demo", (signal) => run(parsed, signal)));
}
