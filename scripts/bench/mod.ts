/**
 * `deno task bench [name...] [-- args]`: runs the benchmarks under scripts/bench/, one after the
 * other (they measure wall time and RSS, so they must not share the CPU with each other), each
 * printing its tables with the reference measured in the same run. BENCHMARKS.md holds the
 * method and the figures of record.
 *
 * Every benchmark that touches the network builds its own namespaces and removes them, as the
 * tests do; most need root.
 *
 *   deno task bench                 # all of them (≈ 12 min on 2 cores)
 *   deno task bench netlink cni     # a selection
 *   deno task bench --list          # names and what each measures
 */

interface Bench {
  file: string;
  what: string;
}

/** Name → script, in the order `deno task bench` runs them (cheap and low-level first). */
export const BENCHES: Readonly<Record<string, Bench>> = {
  netlink: {
    file: "netlink.ts",
    what: "15,000 vxlan entries through our netlink layer vs ip/bridge -batch",
  },
  firewall: {
    file: "firewall.ts",
    what: "masquerade/forward rules: nft -f vs iptables-restore; resync pass",
  },
  subnet: {
    file: "subnet.ts",
    what: "etcd/local stores: acquire, put→callback latency, 5,000-lease list, RSS",
  },
  cni: { file: "cni.ts", what: "CNI ADD/DEL per pod vs the reference bridge+host-local" },
  agent: { file: "agent.ts", what: "agent convergence, event latency, data plane, footprint" },
  kube: { file: "kube.ts", what: "Kubernetes manager vs client-node's informer with 1,000 nodes" },
  "kube-agent": { file: "kube_agent.ts", what: "agent with --kube-subnet-mgr and 1,000 nodes" },
  switch: {
    file: "switch.ts",
    what: "a node switched in place upstream ↔ ours under a 10 ms ping: loss, restart time",
  },
};

/** Splits argv into selected names and the arguments passed through (after `--`). */
export function selectBenches(argv: readonly string[]): { names: string[]; rest: string[] } {
  const dash = argv.indexOf("--");
  const own = dash < 0 ? argv : argv.slice(0, dash);
  const rest = dash < 0 ? [] : argv.slice(dash + 1);
  const unknown = own.filter((n) => !(n in BENCHES));
  if (unknown.length > 0) {
    throw new Error(`Unknown benchmark "${unknown[0]}"; known: ${Object.keys(BENCHES).join(", ")}`);
  }
  return { names: own.length > 0 ? [...own] : Object.keys(BENCHES), rest: [...rest] };
}

async function runOne(name: string, rest: string[]): Promise<boolean> {
  const bench = BENCHES[name]!;
  const script = new URL(bench.file, import.meta.url).pathname;
  console.log(`\n=== ${name}: ${bench.what}\n`);
  const started = performance.now();
  const status = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...rest],
    stdout: "inherit",
    stderr: "inherit",
  }).spawn().status;
  const secs = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `\n=== ${name}: ${status.success ? "done" : `FAILED (exit ${status.code})`} in ${secs} s`,
  );
  return status.success;
}

if (import.meta.main) {
  if (Deno.args.includes("--list")) {
    for (const [name, b] of Object.entries(BENCHES)) console.log(`${name.padEnd(11)} ${b.what}`);
    Deno.exit(0);
  }
  let selection;
  try {
    selection = selectBenches(Deno.args);
  } catch (err) {
    console.error(`bench: ${(err as Error).message}`);
    Deno.exit(2);
  }
  if (Deno.uid() !== 0) {
    console.warn("bench: not root — benchmarks that build namespaces will fail");
  }
  const failed: string[] = [];
  for (const name of selection.names) {
    if (!(await runOne(name, selection.rest))) failed.push(name);
  }
  console.log(failed.length === 0 ? "\nAll benchmarks ran." : `\nFailed: ${failed.join(", ")}`);
  Deno.exit(failed.length === 0 ? 0 : 1);
}
