/**
 * Request routing of the test API server: bearer-token authentication (401), injected RBAC
 * refusals (403 with kube-apiserver's message), discovery, and get / list / watch / create /
 * patch / update / delete on the resource types of resources.ts, `?dryRun=All` included.
 */
import {
  OPENAPI_V2_PROTO,
  openAPIV2Proto,
  openAPIV3GroupVersion,
  openAPIV3Root,
} from "./openapi.ts";
import { list, mutate } from "./crud.ts";
import {
  coreVersions,
  findResource,
  groupDoc,
  groupList,
  resourceList,
  type ResourceType,
  versionInfo,
} from "./resources.ts";
import { ApiError, type KubeState, notFound } from "./state.ts";
import { type WatchRegistry, watchResponse } from "./watch.ts";

/** A refusal to inject: `verb` on `resource` (`nodes`, `nodes/status`, `pods`, `*`). */
export interface DenyRule {
  verb: string;
  resource: string;
}

export interface HandlerContext {
  state: KubeState;
  watches: WatchRegistry;
  /** Accepted bearer tokens → user names; empty map = no authentication. */
  tokens: Map<string, string>;
  deny: DenyRule[];
  bookmarkMs: number;
  /** Every request seen, as `VERB path?query content-type` (for fidelity tests). */
  log: string[];
}

export interface Target {
  type: ResourceType;
  namespace?: string;
  name?: string;
  sub?: string;
  watchPath: boolean;
}

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

function parseTarget(parts: string[]): Target | null {
  let group = "", rest: string[];
  if (parts[0] === "api" && parts[1] === "v1") rest = parts.slice(2);
  else if (parts[0] === "apis" && parts.length >= 4) [group, rest] = [parts[1]!, parts.slice(3)];
  else return null;
  const version = parts[0] === "api" ? "v1" : parts[2]!;
  const watchPath = rest[0] === "watch";
  if (watchPath) rest = rest.slice(1);
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3) [namespace, rest] = [rest[1], rest.slice(2)];
  const type = findResource(group, version, rest[0] ?? "");
  if (!type || rest.length > 3) return null;
  const t: Target = { type, watchPath };
  if (namespace !== undefined) t.namespace = namespace;
  if (rest[1] !== undefined) t.name = rest[1];
  if (rest[2] !== undefined) t.sub = rest[2];
  return t;
}

function verbOf(method: string, t: Target, q: URLSearchParams): string {
  if (method === "GET") {
    if (t.watchPath || q.get("watch") === "true" || q.get("watch") === "1") return "watch";
    return t.name === undefined ? "list" : "get";
  }
  return { POST: "create", PATCH: "patch", PUT: "update", DELETE: "delete" }[method] ?? method;
}

function forbidden(user: string, verb: string, t: Target): ApiError {
  const res = t.type.plural + (t.sub ? `/${t.sub}` : "");
  const scope = t.namespace ? `in the namespace "${t.namespace}"` : "at the cluster scope";
  const who = t.name ? `${t.type.plural} "${t.name}"` : t.type.plural;
  return new ApiError(
    403,
    "Forbidden",
    `${who} is forbidden: User "${user}" cannot ${verb} resource "${res}" in API group "${t.type.group}" ${scope}`,
    { ...(t.name ? { name: t.name } : {}), group: t.type.group, kind: t.type.plural },
  );
}

function authenticate(ctx: HandlerContext, req: Request): string {
  if (ctx.tokens.size === 0) return "system:admin";
  const m = (req.headers.get("authorization") ?? "").match(/^Bearer\s+(.+)$/i);
  const user = m ? ctx.tokens.get(m[1]!.trim()) : undefined;
  if (user === undefined) throw new ApiError(401, "Unauthorized", "Unauthorized");
  return user;
}

function discovery(path: string, host: string): unknown {
  if (path === "/api") return coreVersions(host);
  if (path === "/api/v1") return resourceList("", "v1");
  if (path === "/apis") return groupList();
  if (path === "/version") return versionInfo();
  if (path === "/openapi/v3") return openAPIV3Root();
  if (path.startsWith("/openapi/v3/")) {
    return openAPIV3GroupVersion(path.slice("/openapi/v3/".length));
  }
  const m = path.match(/^\/apis\/([^/]+)(?:\/([^/]+))?$/);
  if (m) return m[2] ? resourceList(m[1]!, m[2]) : groupDoc(m[1]!);
  return undefined;
}

/** Serves one API request (admin routes are handled by the caller). */
export async function handleApi(
  ctx: HandlerContext,
  req: Request,
  host: string,
): Promise<Response> {
  const url = new URL(req.url);
  ctx.log.push(
    `${req.method} ${url.pathname}${url.search} ${req.headers.get("content-type") ?? ""}`.trim(),
  );
  try {
    const user = authenticate(ctx, req);
    if (req.method === "GET") {
      if (["/healthz", "/readyz", "/livez"].includes(url.pathname)) return new Response("ok");
      if (url.pathname === "/openapi/v2") {
        return new Response(openAPIV2Proto(), { headers: { "content-type": OPENAPI_V2_PROTO } });
      }
      const doc = discovery(url.pathname, host);
      if (doc !== undefined) {
        if (doc === null) {
          throw new ApiError(404, "NotFound", "the server could not find the requested resource");
        }
        return json(doc);
      }
    }
    const t = parseTarget(url.pathname.split("/").filter((s) => s !== ""));
    if (!t || (t.sub && !t.type.subresources.includes(t.sub))) {
      throw new ApiError(404, "NotFound", "the server could not find the requested resource");
    }
    const q = url.searchParams;
    const verb = verbOf(req.method, t, q);
    const res = t.type.plural + (t.sub ? `/${t.sub}` : "");
    if (
      ctx.deny.some((d) =>
        (d.verb === verb || d.verb === "*") && (d.resource === res || d.resource === "*")
      )
    ) {
      throw forbidden(user, verb, t);
    }
    if (verb === "watch") {
      return watchResponse(
        ctx.state,
        {
          type: t.type,
          ...(t.namespace !== undefined ? { namespace: t.namespace } : {}),
          resourceVersion: q.get("resourceVersion") ?? "",
          allowBookmarks: q.get("allowWatchBookmarks") === "true",
          timeoutSeconds: Number(q.get("timeoutSeconds") ?? "0"),
          fieldSelector: (t.name ? `metadata.name=${t.name},` : "") +
            (q.get("fieldSelector") ?? ""),
          labelSelector: q.get("labelSelector") ?? "",
        },
        ctx.watches,
        ctx.bookmarkMs,
      );
    }
    if (verb === "list") return json(list(ctx, t, q));
    if (verb === "get") {
      const o = ctx.state.get(t.type, t.namespace ?? "", t.name!);
      if (!o) throw notFound(t.type, t.name!);
      return json(o);
    }
    return await mutate(ctx, req, t, q.get("dryRun") === "All");
  } catch (err) {
    if (err instanceof ApiError) return json(err.status(), err.code);
    return json(new ApiError(500, "InternalError", String(err)).status(), 500);
  }
}
