/**
 * Kubernetes subnet manager benchmarks (BENCHMARKS.md "## Kubernetes"), side by side with
 * references measured in the same run, against the Kubernetes API test server running as its
 * own process (HTTPS, token) pre-filled with N managed nodes of kubelet size (~6 KB each):
 *
 * - start → all N leases known: a fresh process creating our manager until its first lease
 *   snapshot holds N leases, against client-node's own informer (`makeInformer` over
 *   `CoreV1Api.listNode`) until `start()` resolved, and `kubectl get nodes -o json` (Go);
 * - node update → event: annotate a node's backend-data through the server's admin socket,
 *   until the lease event (ours) / the informer's `update` callback (client-node) arrives;
 * - memory: VmRSS and VmHWM of each process with N nodes watched, and of a process that only
 *   imports client-node (what the library alone costs).
 *
 * The agent-level figures (start → all entries in the kernel, update → route) need
 * `--kube-subnet-mgr` in main.ts; they are not measured here yet.
 *
 * Usage: `deno run -A scripts/bench/kube.ts [--nodes 1000] [--runs 3] [--updates 100]`.
 * Prints a Markdown section on stdout.
 */
import { KubeApiAdmin } from "../lab/kube_api/admin.ts";
import { argOpt } from "./common.ts";

const opt = (name: string, def: string) => argOpt(Deno.args, name, def);
const NODES = Number(opt("nodes", "1000"));
const RUNS = Number(opt("runs", "3"));
const UPDATES = Number(opt("updates", "100"));
const ROOT = new URL("../../", import.meta.url).pathname;
const deno = Deno.execPath();

interface Probe {
  mode: string;
  syncMs: number;
  count: number;
  latencies: number[];
  rssMiB: number;
  peakMiB: number;
  wallMs: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor((s.length - 1) / 2)]!;
};
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

async function startServer(dir: string) {
  const child = new Deno.Command(deno, {
    args: [
      "run",
      "-A",
      "--cached-only",
      `${ROOT}scripts/lab/kube_api.ts`,
      "--listen",
      "127.0.0.1:0",
      "--unix",
      `${dir}/api.sock`,
      "--kubeconfig",
      `${dir}/kubeconfig`,
      "--bookmark-ms",
      "60000",
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!out.includes("ready ")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("API server did not start");
    out += value;
  }
  reader.releaseLock();
  void child.stdout.cancel().catch(() => {});
  return child;
}

/** V8 flags of the tuned variant (the ones the agent benchmark uses). */
const TUNED = "--v8-flags=--max-semi-space-size=1,--max-old-space-size=128";

async function probe(variant: string, dir: string): Promise<Probe> {
  const mode = variant === "ours-tuned" ? "ours" : variant;
  const start = performance.now();
  const out = await new Deno.Command(deno, {
    args: [
      "run",
      "-A",
      "--cached-only",
      ...(variant === "ours-tuned" ? [TUNED] : []),
      `${ROOT}scripts/bench/kube_probe.ts`,
      mode,
      `${dir}/kubeconfig`,
      `${dir}/api.sock`,
      String(NODES),
      mode === "import-only" ? "0" : String(UPDATES),
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  if (!out.success) {
    throw new Error(`${mode} probe failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return { ...JSON.parse(text.split("\n").pop()!), wallMs: performance.now() - start };
}

async function kubectlList(dir: string): Promise<number> {
  const start = performance.now();
  const out = await new Deno.Command("kubectl", {
    args: [
      "--kubeconfig",
      `${dir}/kubeconfig`,
      `--cache-dir=${dir}/cache`,
      "get",
      "nodes",
      "-o",
      "json",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error("kubectl failed");
  const n = JSON.parse(new TextDecoder().decode(out.stdout)).items.length;
  if (n !== NODES) throw new Error(`kubectl saw ${n} nodes`);
  return performance.now() - start;
}

const dir = await Deno.makeTempDir({ prefix: "bench-kube-" });
const server = await startServer(dir);
const results: Record<string, Probe[]> = {
  ours: [],
  "ours-tuned": [],
  "client-node": [],
  "import-only": [],
};
const kubectl: number[] = [];
try {
  const admin = new KubeApiAdmin(`${dir}/api.sock`);
  await admin.op("fill", { count: NODES });
  admin.close();
  for (let r = 0; r < RUNS; r++) {
    for (const mode of Object.keys(results)) results[mode]!.push(await probe(mode, dir));
    kubectl.push(await kubectlList(dir));
  }
} finally {
  server.kill("SIGTERM");
  await server.status;
  await Deno.remove(dir, { recursive: true });
}

for (const p of [...results.ours!, ...results["ours-tuned"]!, ...results["client-node"]!]) {
  if (p.count !== NODES) throw new Error(`${p.mode} saw ${p.count} of ${NODES} nodes`);
}
const m = (mode: string, f: (p: Probe) => number) => median(results[mode]!.map(f));
const lat = (mode: string) => results[mode]!.flatMap((p) => p.latencies);
const f1 = (x: number) => x.toFixed(1);
const ours = (f: (p: Probe) => number) => m("ours", f);
const ref = (f: (p: Probe) => number) => m("client-node", f);
const row = (what: string, a: number, b: number) =>
  `| ${what} | ${f1(a)} | ${f1(b)} | ${(a / b).toFixed(2)} |`;
console.log(
  `Nodes: ${NODES} managed, ~6 KB each; runs: ${RUNS} (medians); updates: ${UPDATES} per run.\n`,
);
console.log("| measure | ours | client-node informer | ratio |");
console.log("| --- | --- | --- | --- |");
console.log(
  row("start → N leases known, in-process (ms)", ours((p) => p.syncMs), ref((p) => p.syncMs)),
);
console.log(
  row("process spawn → exit incl. updates (ms)", ours((p) => p.wallMs), ref((p) => p.wallMs)),
);
console.log(row("update → event p50 (ms)", median(lat("ours")), median(lat("client-node"))));
console.log(row("update → event p99 (ms)", pct(lat("ours"), 99), pct(lat("client-node"), 99)));
console.log(row("RSS with N nodes watched (MiB)", ours((p) => p.rssMiB), ref((p) => p.rssMiB)));
console.log(row("peak RSS (MiB)", ours((p) => p.peakMiB), ref((p) => p.peakMiB)));
const tuned = (f: (p: Probe) => number) => m("ours-tuned", f);
console.log(
  `\nOurs with \`${TUNED}\`: start → N leases ${f1(tuned((p) => p.syncMs))} ms, ` +
    `RSS ${f1(tuned((p) => p.rssMiB))} MiB, peak ${f1(tuned((p) => p.peakMiB))} MiB, ` +
    `update → event p50 ${f1(median(lat("ours-tuned")))} ms, p99 ${
      f1(pct(lat("ours-tuned"), 99))
    } ms.`,
);
console.log(
  `\nkubectl get nodes -o json (Go, process incl.): ${f1(median(kubectl))} ms. ` +
    `A process that only imports client-node: RSS ${f1(m("import-only", (p) => p.rssMiB))} MiB, ` +
    `import ${f1(m("import-only", (p) => p.syncMs))} ms.`,
);
