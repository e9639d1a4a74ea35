/**
 * Test hooks of the API server over HTTP (`/_admin/<op>`, POST with a JSON body), for a server
 * running as its own process (e.g. inside a network namespace), plus that process's `main`
 * and a client that reaches the hooks over the server's unix socket from any namespace.
 *
 * Ops: `node` {name, ...NodeSpec}, `delete-node` {name}, `pod-cidr` {name, cidrs},
 * `annotate` {name, set}, `pod` {namespace, name, nodeName}, `expire`, `close-watches`,
 * `restart` {downMs, keepHistory, during: [{op, ...}] run while down}, `deny` {verb, resource}, `allow-all`, `get-node` {name},
 * `fill` {count, start} (managed nodes with kubelet-sized status, fill.ts),
 * `stats` (resourceVersion, open watches, request count).
 */
import type { KubeApiServer, NodeSpec } from "../kube_api.ts";
import { fillNodes } from "./fill.ts";
import { json } from "./handler.ts";

type Body = Record<string, unknown>;

function name(b: Body): string {
  if (typeof b.name !== "string") throw new Error('"name" is required');
  return b.name;
}

function runOp(s: KubeApiServer, op: string, b: Body): unknown {
  switch (op) {
    case "node":
      return s.addNode(name(b), b as NodeSpec);
    case "delete-node":
      s.deleteNode(name(b));
      return {};
    case "pod-cidr":
      return s.setPodCIDR(name(b), ...(b.cidrs as string[]));
    case "annotate":
      return s.setAnnotations(name(b), b.set as Record<string, string | null>);
    case "pod":
      return s.addPod(String(b.namespace), name(b), String(b.nodeName));
    case "get-node":
      return s.node(name(b));
    case "expire":
      s.expireHistory();
      return {};
    case "close-watches":
      s.closeWatches();
      return {};
    case "deny":
      s.deny({ verb: String(b.verb), resource: String(b.resource) });
      return {};
    case "allow-all":
      s.allowAll();
      return {};
    case "fill":
      return { resourceVersion: fillNodes(s, Number(b.count), Number(b.start ?? 0)) };
    case "stats":
      return {
        resourceVersion: s.state.rv,
        watches: s.ctx.watches.size,
        requests: s.requests.length,
      };
    default:
      throw new Error(`Unknown admin op "${op}"`);
  }
}

/** Serves `/_admin/<op>`. */
export async function handleAdmin(s: KubeApiServer, req: Request): Promise<Response> {
  const op = new URL(req.url).pathname.slice("/_admin/".length);
  try {
    const text = await req.text();
    const body = (text ? JSON.parse(text) : {}) as Body;
    if (op === "restart") {
      // Answer first: the restart cuts this very connection. `during` ops run while down.
      const during = (body.during ?? []) as Body[];
      const opts = body as { downMs?: number; keepHistory?: boolean };
      setTimeout(
        () =>
          s.restart({ ...opts, during: () => during.forEach((d) => runOp(s, String(d.op), d)) }),
        10,
      );
      return json({});
    }
    return json(runOp(s, op, body) ?? null);
  } catch (err) {
    return json({ error: String(err) }, 400);
  }
}

/** Drives a server process's admin hooks over its unix socket. */
export class KubeApiAdmin {
  readonly #client: Deno.HttpClient;
  constructor(unixPath: string) {
    this.#client = Deno.createHttpClient({ proxy: { transport: "unix", path: unixPath } });
  }

  async op<T = unknown>(op: string, body: Body = {}): Promise<T> {
    const r = await fetch(`http://localhost/_admin/${op}`, {
      method: "POST",
      body: JSON.stringify(body),
      client: this.#client,
    });
    const out = await r.json();
    if (!r.ok) throw new Error(`admin ${op}: ${out.error}`);
    return out as T;
  }

  close(): void {
    this.#client.close();
  }
}

function flag(args: string[], key: string): string | undefined {
  const i = args.indexOf(key);
  return i >= 0 ? args[i + 1] : undefined;
}

/**
 * `deno run -A scripts/lab/kube_api.ts --listen 198.18.0.254:6443 [--http] [--token T]
 *  [--unix /tmp/api.sock] [--kubeconfig out.yaml] [--bookmark-ms N]`; prints `ready <url>`
 * on stdout and serves until SIGTERM.
 */
export async function main(args: string[]): Promise<void> {
  const { KubeApiServer } = await import("../kube_api.ts");
  const [hostname, port] = (flag(args, "--listen") ?? "127.0.0.1:0").split(/:(?=\d+$)/);
  const unixPath = flag(args, "--unix");
  const token = flag(args, "--token");
  const s = await KubeApiServer.start({
    hostname: hostname!,
    port: Number(port),
    tls: !args.includes("--http"),
    ...(unixPath ? { unixPath } : {}),
    ...(token !== undefined ? { token } : {}),
    bookmarkMs: Number(flag(args, "--bookmark-ms") ?? "1000"),
  });
  const kubeconfig = flag(args, "--kubeconfig");
  if (kubeconfig) await s.writeKubeconfig(kubeconfig);
  const stop = new Promise<void>((resolve) => Deno.addSignalListener("SIGTERM", () => resolve()));
  console.log(`ready ${s.url}`);
  await stop;
  await s.close();
}
