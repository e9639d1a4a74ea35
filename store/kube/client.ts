/**
 * The few Kubernetes API calls flannel makes, on npm:@kubernetes/client-node: its
 * `KubeConfig` (kubeconfig files, in-cluster token, TLS, auth providers) signs each request
 * and its HTTP library sends it. We keep the JSON raw instead of going through the generated
 * typed API: we read five fields of a node, a 1,000-node list is decoded once, the patch body
 * bytes are exactly ours, every call honours an AbortSignal, and an error keeps the server's
 * `Status` message (the generated watch drops it).
 *
 * Design notes: client-node is loaded with `await import()` inside {@linkcode connectKube},
 * so merely importing this module (or store/kube.ts) costs nothing; the CNI path and the etcd
 * agent never load it.
 */
import type { KubeNode } from "../../mod/lease/node.ts";
import { apiError, type KubeStatus, unreachable } from "./errors.ts";
import { isPlainHTTP, type KubeTarget } from "./config.ts";
import { http1Pool, readLines } from "./transport.ts";

export interface NodeList {
  items: KubeNode[];
  resourceVersion: string;
}

/** One watch line: `ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK` or `ERROR` (then a Status). */
export interface WatchEvent {
  type: string;
  object: Record<string, unknown>;
}

export interface WatchOptions {
  /** Asked of the server (`timeoutSeconds`): it ends the watch, we resume from there. */
  timeoutSeconds: number;
  /** No bytes for this long (not even a bookmark): the connection is dead, end the watch. */
  idleMs: number;
}

/** The calls flannel makes; every error is a {@linkcode KubeApiError}. */
export interface KubeApi {
  readonly server: string;
  /** All nodes (paged), each passed through `trim` as its page arrives. */
  listNodes(signal?: AbortSignal, trim?: (n: KubeNode) => KubeNode): Promise<NodeList>;
  /** Streams node events after `resourceVersion` until the stream ends or `signal` aborts. */
  watchNodes(
    resourceVersion: string,
    onEvent: (e: WatchEvent) => void,
    opts: WatchOptions,
    signal: AbortSignal,
  ): Promise<void>;
  getNode(name: string, signal?: AbortSignal): Promise<KubeNode>;
  /** Strategic-merge PATCH of `nodes/<name>/status` with `body` (JSON text) as is. */
  patchNodeStatus(name: string, body: string, signal?: AbortSignal): Promise<KubeNode>;
  getPod(namespace: string, name: string, signal?: AbortSignal): Promise<Record<string, unknown>>;
  /** Closes pooled connections. */
  close(): Promise<void>;
}

/** Nodes per list page. */
export const LIST_PAGE = 100;

interface PageOf<T> {
  items?: T[];
  metadata?: { resourceVersion?: string; continue?: string };
}

/** Content type of a strategic-merge patch. */
export const STRATEGIC_MERGE = "application/strategic-merge-patch+json";

/**
 * The part of client-node we use, declared here: referencing its own declarations would pull
 * its `@types/node` into every type-check that includes this file, and those clash with
 * Deno's node types (e.g. `node:assert` overloads in tests/harness/assert.ts).
 */
interface K8s {
  KubeConfig: new () => KubeConfigLike;
  IsomorphicFetchHttpLibrary: new () => {
    send(ctx: RequestContextLike): { toPromise(): Promise<ResponseLike> };
  };
  RequestContext: new (url: string, method: string) => RequestContextLike;
  HttpMethod: Record<"GET" | "PATCH", string>;
}

interface ClusterConfig {
  name: string;
  server: string;
  skipTLSVerify?: boolean;
  caFile?: string;
}

interface KubeConfigLike {
  clusters: ClusterConfig[];
  users: unknown[];
  contexts: unknown[];
  currentContext: string;
  loadFromFile(path: string): void;
  loadFromOptions(o: object): void;
  loadFromClusterAndUser(cluster: ClusterConfig, user: object): void;
  getCurrentCluster(): ClusterConfig | null;
  applySecurityAuthentication(ctx: RequestContextLike): Promise<void>;
}

interface RequestContextLike {
  setHeaderParam(k: string, v: string): void;
  setBody(body: string): void;
  setSignal(s: AbortSignal): void;
}

interface ResponseLike {
  httpStatusCode: number;
  body: { text(): Promise<string>; stream(): unknown };
}

/** The specifier, in a variable so type-checks do not follow it (see {@linkcode K8s}). */
const CLIENT_NODE = "@kubernetes/client-node";

function loadConfig(k8s: K8s, t: KubeTarget) {
  const kc = new k8s.KubeConfig();
  if (t.kind === "kubeconfig") {
    kc.loadFromFile(t.path);
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error(`kubeconfig "${t.path}" has no current cluster`);
    const server = t.server ?? cluster.server;
    const clusters = kc.clusters.map((c) =>
      c === cluster ? { ...c, server, skipTLSVerify: c.skipTLSVerify || isPlainHTTP(server) } : c
    );
    kc.loadFromOptions({ ...kc, clusters, currentContext: kc.currentContext });
  } else if (t.kind === "url") {
    kc.loadFromClusterAndUser(
      { name: "flannel", server: t.server, skipTLSVerify: isPlainHTTP(t.server) },
      { name: "flannel" },
    );
  } else {
    kc.loadFromClusterAndUser(
      { name: "inCluster", server: t.server, caFile: t.caFile, skipTLSVerify: false },
      {
        name: "inCluster",
        authProvider: { name: "tokenFile", config: { tokenFile: t.tokenFile } },
      },
    );
  }
  return kc;
}

function parseJSON(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Builds the API client for `target` (loads client-node now). */
export async function connectKube(target: KubeTarget): Promise<KubeApi> {
  const k8s = await import(CLIENT_NODE) as K8s;
  const kc = loadConfig(k8s, target);
  const server = kc.getCurrentCluster()!.server.replace(/\/+$/, "");
  const http = new k8s.IsomorphicFetchHttpLibrary();
  const closePool = http1Pool(kc);

  async function send(
    method: "GET" | "PATCH",
    path: string,
    what: { verb: string; resource: string },
    signal?: AbortSignal,
    body?: { text: string; type: string },
  ) {
    const ctx = new k8s.RequestContext(server + path, k8s.HttpMethod[method]);
    ctx.setHeaderParam("Accept", "application/json");
    if (body) {
      ctx.setHeaderParam("Content-Type", body.type);
      ctx.setBody(body.text);
    }
    if (signal) ctx.setSignal(signal);
    let resp;
    try {
      await kc.applySecurityAuthentication(ctx);
      resp = await http.send(ctx).toPromise();
    } catch (err) {
      throw unreachable(server, what.verb, what.resource, err);
    }
    if (resp.httpStatusCode >= 200 && resp.httpStatusCode < 300) return resp;
    const text = await resp.body.text().catch(() => "");
    throw apiError(what.verb, what.resource, resp.httpStatusCode, parseJSON(text) as KubeStatus);
  }

  async function json<T>(...args: Parameters<typeof send>): Promise<T> {
    const resp = await send(...args);
    const text = await resp.body.text();
    const v = parseJSON(text);
    if (typeof v !== "object" || v === null) {
      throw apiError(args[2].verb, args[2].resource, 500, { message: "the reply is not JSON" });
    }
    return v as T;
  }

  const enc = encodeURIComponent;
  return {
    server,
    close: closePool,
    async listNodes(signal, trim = (n) => n) {
      // Pages, as client-go's reflector: one 1,000-node reply would be ~6 MB of JSON parsed at
      // once, and the heap V8 grows for it is not given back (measured: +60 MiB RSS).
      const items: KubeNode[] = [];
      let cont = "", rv = "";
      do {
        const q = `limit=${LIST_PAGE}${cont ? `&continue=${enc(cont)}` : ""}`;
        const page = await json<PageOf<KubeNode>>("GET", `/api/v1/nodes?${q}`, {
          verb: "list",
          resource: "nodes",
        }, signal);
        for (const n of page.items ?? []) items.push(trim(n));
        rv ||= page.metadata?.resourceVersion ?? "";
        cont = page.metadata?.continue ?? "";
      } while (cont !== "");
      return { items, resourceVersion: rv };
    },
    async watchNodes(rv, onEvent, opts, signal) {
      const q = `watch=true&allowWatchBookmarks=true&resourceVersion=${enc(rv)}` +
        `&timeoutSeconds=${opts.timeoutSeconds}`;
      const ctrl = new AbortController();
      const both = AbortSignal.any([signal, ctrl.signal]);
      const resp = await send(
        "GET",
        `/api/v1/nodes?${q}`,
        { verb: "watch", resource: "nodes" },
        both,
      );
      await readLines(
        resp.body.stream() as ReadableStream<Uint8Array>,
        (line) => {
          const e = parseJSON(line) as WatchEvent | null;
          if (e && typeof e.type === "string" && typeof e.object === "object") onEvent(e);
        },
        opts.idleMs,
        ctrl,
        both,
      ).catch((err) => {
        if (!both.aborted) throw unreachable(server, "watch", "nodes", err);
      });
    },
    getNode: (name, signal) =>
      json("GET", `/api/v1/nodes/${enc(name)}`, { verb: "get", resource: "nodes" }, signal),
    patchNodeStatus: (name, text, signal) =>
      json(
        "PATCH",
        `/api/v1/nodes/${enc(name)}/status`,
        {
          verb: "patch",
          resource: "nodes/status",
        },
        signal,
        { text, type: STRATEGIC_MERGE },
      ),
    getPod: (ns, name, signal) =>
      json("GET", `/api/v1/namespaces/${enc(ns)}/pods/${enc(name)}`, {
        verb: "get",
        resource: "pods",
      }, signal),
  };
}
