/**
 * Reads and writes of the test API server: list (with `limit`/`continue` paging), create,
 * update, patch (the three flavours) and delete, `?dryRun=All` included; a PATCH or PUT of
 * the main resource keeps `status`, one of `/status` keeps `spec`, as the real strategies do;
 * a node's `spec.podCIDR` can only go from "" to a value; a stale `resourceVersion` is 409.
 */
import { isObj, type Json, PatchError, PATCHERS } from "./patch.ts";
import { findResource, groupVersion } from "./resources.ts";
import { ApiError, meta, notFound, type Obj } from "./state.ts";
import { matchesSelectors } from "./selectors.ts";
import { type HandlerContext, json, type Target } from "./handler.ts";

async function readBody(req: Request): Promise<Json> {
  try {
    return JSON.parse(await req.text());
  } catch (err) {
    throw new ApiError(
      400,
      "BadRequest",
      `the body of the request was in an unknown format: ${err}`,
    );
  }
}

export function list(ctx: HandlerContext, t: Target, q: URLSearchParams): Obj {
  const all = ctx.state.list(t.type, t.namespace, true)
    .filter((o) => matchesSelectors(o, q.get("fieldSelector") ?? "", q.get("labelSelector") ?? ""));
  const cont = q.get("continue");
  const start = cont ? Number(JSON.parse(atob(cont)).start) : 0;
  const limit = Number(q.get("limit") ?? "0");
  const end = limit > 0 ? Math.min(all.length, start + limit) : all.length;
  const metadata: Obj = { resourceVersion: String(ctx.state.rv) };
  if (end < all.length) {
    metadata.continue = btoa(JSON.stringify({ start: end }));
    metadata.remainingItemCount = all.length - end;
  }
  return {
    kind: `${t.type.kind}List`,
    apiVersion: groupVersion(t.type),
    metadata,
    items: all.slice(start, end),
  };
}

/** Keeps the part of an object the (sub)resource may not change, as the real strategies do. */
function guard(t: Target, cur: Obj, next: Obj): Obj {
  if (!isObj(next)) throw new ApiError(400, "BadRequest", "the patched object is not an object");
  const out = { ...next };
  if (t.sub === "status") out.spec = cur.spec ?? null;
  else if (t.type.subresources.includes("status")) out.status = cur.status ?? null;
  for (const k of ["spec", "status"]) if (out[k] === null) delete out[k];
  const rv = meta(out).resourceVersion;
  if (rv !== undefined && rv !== null && rv !== meta(cur).resourceVersion) {
    throw new ApiError(
      409,
      "Conflict",
      `Operation cannot be fulfilled on ${t.type.plural} "${t.name}": the object has been modified; please apply your changes to the latest version and try again`,
    );
  }
  if (t.type.kind === "Node") checkPodCIDR(cur, out, t.name!);
  return out;
}

function checkPodCIDR(cur: Obj, next: Obj, name: string): void {
  const before = isObj(cur.spec) ? cur.spec.podCIDR ?? "" : "";
  const after = isObj(next.spec) ? next.spec.podCIDR ?? "" : "";
  if (before !== "" && after !== before) {
    throw new ApiError(
      422,
      "Invalid",
      `Node "${name}" is invalid: spec.podCIDR: Forbidden: node updates may not change podCIDR except from "" to valid`,
    );
  }
}

export async function mutate(
  ctx: HandlerContext,
  req: Request,
  t: Target,
  dry: boolean,
): Promise<Response> {
  const ns = t.namespace ?? "";
  const { state } = ctx;
  if (req.method === "POST") {
    const body = await readBody(req);
    if (!isObj(body)) throw new ApiError(400, "BadRequest", "the body must be an object");
    if (t.type.namespaced && !state.get(findResource("", "v1", "namespaces")!, "", ns)) {
      throw new ApiError(404, "NotFound", `namespaces "${ns}" not found`, {
        name: ns,
        kind: "namespaces",
      });
    }
    return json(state.create(t.type, ns, body, dry), 201);
  }
  if (t.name === undefined) {
    throw new ApiError(
      405,
      "MethodNotAllowed",
      "the server does not allow this method on the requested resource",
    );
  }
  const cur = state.get(t.type, ns, t.name);
  if (!cur) throw notFound(t.type, t.name);
  if (req.method === "DELETE") return json(state.delete(t.type, ns, t.name, dry));
  let next: Json;
  if (req.method === "PUT") next = await readBody(req);
  else {
    const ct = (req.headers.get("content-type") ?? "").split(";")[0]!.trim();
    const patcher = PATCHERS[ct];
    if (!patcher) {
      throw new ApiError(
        415,
        "UnsupportedMediaType",
        `the body of the request was in an unknown format - accepted media types include: ${
          Object.keys(PATCHERS).join(", ")
        }`,
      );
    }
    try {
      next = patcher(cur, await readBody(req));
    } catch (err) {
      if (err instanceof PatchError) throw new ApiError(422, "Invalid", err.message);
      throw err;
    }
  }
  return json(state.update(t.type, ns, t.name, guard(t, cur, next as Obj), dry));
}
