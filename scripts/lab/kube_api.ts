/**
 * A Kubernetes API test server (no real kube-apiserver can be installed here): discovery,
 * nodes list / watch / get / patch (strategic-merge, merge, JSON; `nodes/status` too), pods,
 * create / apply / server-side dry-run of the DaemonSet manifest's objects, over HTTPS with a
 * throwaway CA and a bearer token (or plain HTTP). Proven against the real kubectl in
 * tests/scripts/lab/kube_api_test.ts.
 *
 * In-process tests drive it through the methods below; a test that needs it inside a network
 * namespace runs this file as a program (see `main`) and drives it through `/_admin/...`
 * (admin.ts), also reachable on a unix socket, which crosses namespaces.
 *
 * @example
 * ```ts
 * const api = await KubeApiServer.start();
 * api.addNode("n1", { podCIDR: "10.244.1.0/24" });
 * await api.writeKubeconfig(`${dir}/kubeconfig`);
 * await api.close();
 * ```
 */
import { handleAdmin } from "./kube_api/admin.ts";
import { type DenyRule, handleApi, type HandlerContext } from "./kube_api/handler.ts";
import { findResource, type ResourceType } from "./kube_api/resources.ts";
import { KubeState, meta, type Obj } from "./kube_api/state.ts";
import { makeCerts, type TestCerts } from "./kube_api/tls.ts";
import { WatchRegistry } from "./kube_api/watch.ts";

export interface KubeApiOptions {
  hostname?: string;
  port?: number;
  /** HTTPS with a throwaway CA (default) or plain HTTP. */
  tls?: boolean;
  /** Bearer token clients must send (default: a random one). `""` disables authentication. */
  token?: string;
  /** User name the token authenticates as (shown in 403 messages). */
  user?: string;
  /** Interval of BOOKMARK events on watches that allow them. */
  bookmarkMs?: number;
  maxHistory?: number;
  /** Also serve (API and admin) on this unix socket path. */
  unixPath?: string;
  /** Extra IP SANs for the certificate. */
  sanIPs?: string[];
}

/** Node fields the admin helpers set. */
export interface NodeSpec {
  podCIDR?: string;
  podCIDRs?: string[];
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  addresses?: { type: string; address: string }[];
  /** Replaces the default status (conditions Ready, addresses). */
  status?: Obj;
}

const NODES = findResource("", "v1", "nodes")!;
const PODS = findResource("", "v1", "pods")!;
const NAMESPACES = findResource("", "v1", "namespaces")!;

export class KubeApiServer {
  readonly state: KubeState;
  readonly ctx: HandlerContext;
  readonly token: string;
  readonly certs: TestCerts | null;
  #servers: Deno.HttpServer[] = [];
  #port: number;
  readonly #opts: KubeApiOptions;

  private constructor(opts: KubeApiOptions, certs: TestCerts | null, token: string) {
    this.#opts = opts;
    this.certs = certs;
    this.token = token;
    this.#port = opts.port ?? 0;
    this.state = new KubeState(
      opts.maxHistory !== undefined ? { maxHistory: opts.maxHistory } : {},
    );
    const tokens = new Map<string, string>();
    if (token !== "") tokens.set(token, opts.user ?? "system:serviceaccount:kube-flannel:flannel");
    this.ctx = {
      state: this.state,
      watches: new WatchRegistry(),
      tokens,
      deny: [],
      bookmarkMs: opts.bookmarkMs ?? 1000,
      log: [],
    };
    for (const ns of ["default", "kube-system", "kube-public", "kube-node-lease"]) {
      this.addNamespace(ns);
    }
  }

  /** Starts a server; `close()` it in `finally`. */
  static async start(opts: KubeApiOptions = {}): Promise<KubeApiServer> {
    const host = opts.hostname ?? "127.0.0.1";
    const certs = opts.tls === false
      ? null
      : await makeCerts([host, "127.0.0.1", ...(opts.sanIPs ?? [])]);
    const token = opts.token ?? crypto.randomUUID().replaceAll("-", "");
    const s = new KubeApiServer(opts, certs, token);
    s.#listen();
    return s;
  }

  get hostname(): string {
    return this.#opts.hostname ?? "127.0.0.1";
  }

  get port(): number {
    return this.#port;
  }

  /** `https://127.0.0.1:<port>` (or http). */
  get url(): string {
    const h = this.hostname.includes(":") ? `[${this.hostname}]` : this.hostname;
    return `${this.certs ? "https" : "http"}://${h}:${this.#port}`;
  }

  #handler = (req: Request): Promise<Response> => {
    const path = new URL(req.url).pathname;
    if (path.startsWith("/_admin/")) return handleAdmin(this, req);
    return handleApi(this.ctx, req, `${this.hostname}:${this.#port}`);
  };

  #listen(): void {
    const onListen = () => {};
    const tcp = Deno.serve({
      hostname: this.hostname,
      port: this.#port,
      onListen,
      ...(this.certs ? { cert: this.certs.certPem, key: this.certs.keyPem } : {}),
    }, this.#handler);
    this.#port = tcp.addr.port;
    this.#servers = [tcp];
    if (this.#opts.unixPath) {
      try {
        Deno.removeSync(this.#opts.unixPath);
      } catch { /* not there */ }
      this.#servers.push(Deno.serve({ path: this.#opts.unixPath, onListen }, this.#handler));
    }
  }

  async #stop(): Promise<void> {
    this.ctx.watches.closeAll();
    const servers = this.#servers;
    this.#servers = [];
    await Promise.all(servers.map((s) => s.shutdown()));
  }

  /**
   * Stops listening (open watches are cut), runs `during` while down, then listens again on
   * the same port. Like a real API server restart, the watch history is lost unless
   * `keepHistory`: clients resuming from an old resourceVersion get 410 Gone and relist.
   */
  async restart(opts: { downMs?: number; keepHistory?: boolean; during?: () => void } = {}) {
    await this.#stop();
    opts.during?.();
    if (!opts.keepHistory) this.state.expireHistory();
    if (opts.downMs) await new Promise((r) => setTimeout(r, opts.downMs));
    this.#listen();
  }

  async close(): Promise<void> {
    await this.#stop();
    if (this.#opts.unixPath) await Deno.remove(this.#opts.unixPath).catch(() => {});
  }

  /** Requests seen so far (`VERB path?query content-type`). */
  get requests(): readonly string[] {
    return this.ctx.log;
  }

  /** Refuses `verb` on `resource` with a 403 from now on (`*` matches any). */
  deny(rule: DenyRule): void {
    this.ctx.deny.push(rule);
  }

  allowAll(): void {
    this.ctx.deny.length = 0;
  }

  addNamespace(name: string): Obj {
    return this.state.create(NAMESPACES, "", { metadata: { name }, status: { phase: "Active" } });
  }

  /** Adds a node (Ready, with an InternalIP when `addresses` is given). */
  addNode(name: string, spec: NodeSpec = {}): Obj {
    const s: Obj = {};
    if (spec.podCIDR !== undefined) s.podCIDR = spec.podCIDR;
    if (spec.podCIDRs !== undefined) s.podCIDRs = spec.podCIDRs;
    return this.state.create(NODES, "", {
      metadata: {
        name,
        labels: { "kubernetes.io/hostname": name, ...spec.labels },
        annotations: { ...spec.annotations },
      },
      spec: s,
      status: spec.status ?? {
        conditions: [{
          type: "Ready",
          status: "True",
          reason: "KubeletReady",
          message: "kubelet is posting ready status",
        }],
        addresses: spec.addresses ?? [],
      },
    });
  }

  node(name: string): Obj | null {
    return this.state.get(NODES, "", name);
  }

  /** Changes a node as an administrator would (no immutability checks); one MODIFIED event. */
  updateNode(name: string, edit: (node: Obj) => void): Obj {
    const n = this.node(name);
    if (!n) throw new Error(`No node "${name}"`);
    edit(n);
    delete meta(n).resourceVersion;
    return this.state.update(NODES, "", name, n);
  }

  /** Assigns pod CIDRs (what the node IPAM controller does). */
  setPodCIDR(name: string, ...cidrs: string[]): Obj {
    return this.updateNode(name, (n) => {
      n.spec = { ...(n.spec as Obj), podCIDR: cidrs[0] ?? "", podCIDRs: cidrs };
    });
  }

  setAnnotations(name: string, set: Record<string, string | null>): Obj {
    return this.updateNode(name, (n) => {
      const a = { ...(meta(n).annotations as Record<string, string>) };
      for (const [k, v] of Object.entries(set)) v === null ? delete a[k] : a[k] = v;
      meta(n).annotations = a;
    });
  }

  deleteNode(name: string): void {
    this.state.delete(NODES, "", name);
  }

  addPod(namespace: string, name: string, nodeName: string): Obj {
    if (!this.state.get(NAMESPACES, "", namespace)) this.addNamespace(namespace);
    return this.state.create(PODS, namespace, {
      metadata: { name },
      spec: { nodeName, containers: [] },
    });
  }

  /** Every watch from a resourceVersion before now gets 410 Gone. */
  expireHistory(): void {
    this.state.expireHistory();
  }

  closeWatches(): void {
    this.ctx.watches.closeAll();
  }

  /** Writes a kubeconfig for this server (token user; the CA inline). */
  async writeKubeconfig(path: string, opts: { token?: string; server?: string } = {}) {
    const cluster: Record<string, string> = { server: opts.server ?? this.url };
    if (this.certs) cluster["certificate-authority-data"] = btoa(this.certs.caPem);
    const token = opts.token ?? this.token;
    const doc = {
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "test", cluster }],
      users: [{ name: "test", user: token ? { token } : {} }],
      contexts: [{ name: "test", context: { cluster: "test", user: "test" } }],
      "current-context": "test",
    };
    await Deno.writeTextFile(path, JSON.stringify(doc, null, 2));
  }
}

/** Types by plural name, for admin routes. */
export function resourceByPlural(plural: string): ResourceType | null {
  return findResource("", "v1", plural);
}

if (import.meta.main) {
  const { main } = await import("./kube_api/admin.ts");
  await main(Deno.args);
}
