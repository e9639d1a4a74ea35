/**
 * Shared set-up for the Kubernetes manager tests: a test API server (HTTPS, token), a
 * kubeconfig and net-conf in a temp dir, a manager with short timings, captured log lines,
 * and a lease watcher that folds events into the current set of leases.
 */
import { KubeApiServer, type NodeSpec } from "../../scripts/lab/kube_api.ts";
import { findResource } from "../../scripts/lab/kube_api/resources.ts";
import { createLogger } from "../../mod/log.ts";
import { createKubeSubnetManager, type KubeManagerOptions } from "../../store/kube.ts";
import type { KubeSubnetManager } from "../../store/kube/manager.ts";
import type { Lease, LeaseWatchResult } from "../../mod/lease/types.ts";

export const P = "flannel.alpha.coreos.com/";

/** Annotations of a node flannel manages (what another flanneld wrote). */
export function managed(i: number, extra: Record<string, string> = {}): NodeSpec {
  return {
    podCIDR: `10.244.${i}.0/24`,
    annotations: {
      [P + "kube-subnet-manager"]: "true",
      [P + "backend-type"]: "vxlan",
      [P + "backend-data"]: `{"VNI":1,"VtepMAC":"0a:00:00:00:00:${
        i.toString(16).padStart(2, "0")
      }"}`,
      [P + "public-ip"]: `198.18.0.${i}`,
      ...extra,
    },
  };
}

export interface Setup {
  api: KubeApiServer;
  dir: string;
  logs: string[];
  options: KubeManagerOptions;
  start(extra?: Partial<KubeManagerOptions>): Promise<KubeSubnetManager>;
  close(): Promise<void>;
}

export async function setup(netConf = '{"Network":"10.244.0.0/16","Backend":{"Type":"vxlan"}}') {
  const api = await KubeApiServer.start({ bookmarkMs: 200 });
  const dir = await Deno.makeTempDir({ prefix: "kube-mgr-" });
  await api.writeKubeconfig(`${dir}/kubeconfig`);
  await Deno.writeTextFile(`${dir}/net-conf.json`, netConf);
  const logs: string[] = [];
  const managers: KubeSubnetManager[] = [];
  const options: KubeManagerOptions = {
    kubeApiUrl: "",
    kubeconfigFile: `${dir}/kubeconfig`,
    annotationPrefix: "flannel.alpha.coreos.com",
    netConfigPath: `${dir}/net-conf.json`,
    setNodeNetworkUnavailable: true,
    env: { NODE_NAME: "n1" },
    logger: createLogger({ write: (l) => logs.push(l), verbosity: 1 }),
    syncTimeoutMs: 10_000,
    waitLogMs: 100,
    idleMs: 5000,
  };
  const s: Setup = {
    api,
    dir,
    logs,
    options,
    async start(extra = {}) {
      const m = await createKubeSubnetManager({ ...options, ...extra });
      managers.push(m);
      return m;
    },
    async close() {
      for (const m of managers) await m.close();
      await api.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
  return s;
}

/** Folds a manager's lease watch into the current leases (by subnet) and keeps every result. */
export class LeaseView {
  readonly leases = new Map<string, Lease>();
  readonly results: LeaseWatchResult[] = [];
  readonly #stop = new AbortController();
  readonly done: Promise<void>;

  constructor(m: KubeSubnetManager) {
    this.done = (async () => {
      for await (const r of m.watchLeases(this.#stop.signal)) {
        this.results.push(r);
        if (r.kind === "snapshot") {
          this.leases.clear();
          for (const l of r.leases) this.leases.set(String(l.subnet), l);
        } else {
          for (const e of r.events) {
            if (e.type === "added") this.leases.set(String(e.lease.subnet), e.lease);
            else this.leases.delete(String(e.lease.subnet));
          }
        }
      }
    })();
  }

  /** `subnet → public IP / MAC` of every lease, sorted (for whole-state comparisons). */
  summary(): string[] {
    return [...this.leases.values()].map((l) =>
      `${l.subnet} ${l.attrs.publicIP} ${(l.attrs.backendData as { VtepMAC?: string })?.VtepMAC}`
    ).sort();
  }

  events(): string[] {
    return this.results.flatMap((r) =>
      r.kind === "events" ? r.events.map((e) => `${e.type} ${e.lease.subnet}`) : ["snapshot"]
    );
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.done;
  }
}

/** Polls `cond` every 20 ms for up to `ms`; throws with `what` on timeout. */
export async function waitFor(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** What the server's nodes say the leases are (managed nodes only), as `LeaseView.summary`. */
export function serverSummary(api: KubeApiServer): string[] {
  const out: string[] = [];
  for (const n of api.state.list(findResource("", "v1", "nodes")!)) {
    const a = ((n.metadata as Record<string, unknown>).annotations ?? {}) as Record<string, string>;
    if (a[P + "kube-subnet-manager"] !== "true") continue;
    const mac = JSON.parse(a[P + "backend-data"] ?? "null")?.VtepMAC;
    out.push(`${(n.spec as { podCIDR: string }).podCIDR} ${a[P + "public-ip"]} ${mac}`);
  }
  return out.sort();
}
