/**
 * One measured client process for scripts/bench/kube.ts: start → all N leases known, then
 * node update → event latency (updates made through the API server's admin socket, timed on
 * this process's clock), then memory. Prints one JSON line.
 *
 * Usage: `deno run -A scripts/bench/kube_probe.ts <ours|client-node|import-only> <kubeconfig>
 *   <admin.sock> <nodes> <updates>`
 */
import { KubeApiAdmin } from "../lab/kube_api/admin.ts";
import { nodeAddrs } from "../lab/kube_api/fill.ts";

const [mode, kubeconfig, sock, nodesText, updatesText] = Deno.args as [
  string,
  string,
  string,
  string,
  string,
];
const NODES = Number(nodesText);
const UPDATES = Number(updatesText);
const P = "flannel.alpha.coreos.com/";
const t0 = performance.now();
/** MAC prefix unique to this process: repeated values would not change the node, so no event. */
const RUN_TAG = ["0a", ...crypto.getRandomValues(new Uint8Array(3))].map((b) =>
  typeof b === "string" ? b : b.toString(16).padStart(2, "0")
).join(":");

function memory(): { rssMiB: number; peakMiB: number } {
  const status = Deno.readTextFileSync("/proc/self/status");
  const kib = (k: string) => Number(status.match(new RegExp(`${k}:\\s+(\\d+)`))?.[1] ?? 0);
  return { rssMiB: kib("VmRSS") / 1024, peakMiB: kib("VmHWM") / 1024 };
}

/** Waits until `seen()` says the update to node `i` arrived; returns the latency in ms. */
async function timeUpdates(admin: KubeApiAdmin, seen: Set<string>): Promise<number[]> {
  const out: number[] = [];
  for (let k = 0; k < UPDATES; k++) {
    const i = 1 + (k % (NODES - 1));
    const hex = (v: number) => v.toString(16).padStart(2, "0");
    const mac = `${RUN_TAG}:${hex(k >> 8)}:${hex(k & 255)}`;
    const start = performance.now();
    await admin.op("annotate", {
      name: `node-${i}`,
      set: { [P + "backend-data"]: `{"VNI":1,"VtepMAC":"${mac}"}` },
    });
    while (!seen.has(mac)) await new Promise((r) => setTimeout(r, 0));
    out.push(performance.now() - start);
    await new Promise((r) => setTimeout(r, 20));
  }
  return out;
}

async function ours() {
  const { createKubeSubnetManager } = await import("../../store/kube.ts");
  const { createLogger } = await import("../../mod/log.ts");
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/net-conf.json`,
    '{"Network":"10.0.0.0/8","Backend":{"Type":"vxlan"}}',
  );
  const m = await createKubeSubnetManager({
    kubeApiUrl: "",
    kubeconfigFile: kubeconfig,
    annotationPrefix: "flannel.alpha.coreos.com",
    netConfigPath: `${dir}/net-conf.json`,
    setNodeNetworkUnavailable: false,
    env: { NODE_NAME: "node-0" },
    logger: createLogger({ write: () => {} }),
  });
  const stop = new AbortController();
  const seen = new Set<string>();
  const it = m.watchLeases(stop.signal)[Symbol.asyncIterator]();
  const first = (await it.next()).value!;
  const syncMs = performance.now() - t0;
  const count = first.kind === "snapshot" ? first.leases.length : -1;
  const pump = (async () => {
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      if (r.value.kind !== "events") continue;
      for (const e of r.value.events) {
        seen.add((e.lease.attrs.backendData as { VtepMAC: string }).VtepMAC);
      }
    }
  })();
  const admin = new KubeApiAdmin(sock);
  const latencies = await timeUpdates(admin, seen);
  admin.close();
  const mem = memory();
  stop.abort();
  await pump;
  await m.close();
  await Deno.remove(dir, { recursive: true });
  return { syncMs, count, latencies, ...mem };
}

async function clientNode() {
  const k8s = await import("@kubernetes/client-node");
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const informer = k8s.makeInformer(kc, "/api/v1/nodes", () => core.listNode());
  const seen = new Set<string>();
  informer.on("update", (n) => {
    const data = n.metadata?.annotations?.[P + "backend-data"];
    if (data) seen.add(JSON.parse(data).VtepMAC);
  });
  await informer.start();
  const syncMs = performance.now() - t0;
  const count = informer.list().length;
  const admin = new KubeApiAdmin(sock);
  const latencies = await timeUpdates(admin, seen);
  admin.close();
  const mem = memory();
  await informer.stop();
  return { syncMs, count, latencies, ...mem };
}

async function importOnly() {
  await import("@kubernetes/client-node");
  return { syncMs: performance.now() - t0, count: 0, latencies: [], ...memory() };
}

const run = { ours, "client-node": clientNode, "import-only": importOnly }[mode];
if (!run) throw new Error(`Unknown mode "${mode}"`);
console.log(JSON.stringify({ mode, nodes: NODES, expect: nodeAddrs(0).podCIDR, ...(await run()) }));
Deno.exit(0);
