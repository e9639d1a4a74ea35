/**
 * The three PATCH flavours of the Kubernetes API, on plain JSON: JSON merge patch (RFC 7386),
 * JSON patch (RFC 6902) and strategic merge patch (Kubernetes' own: lists merged by a key
 * such as `type` for conditions or `name` for containers, `$patch` / `$setElementOrder`
 * directives understood).
 *
 * Design notes: the real server takes merge keys from the Go types' struct tags; a table of
 * the fields kubectl and flannel touch stands in for them (same keys as `k8s.io/api`). Lists
 * not in the table are replaced, as the API does for lists without a patch strategy.
 */

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

/** A patch that cannot be applied: the server answers 422 (or 400) with this message. */
export class PatchError extends Error {
  override name = "PatchError";
}

/** Field name → merge key of lists that strategic merge patch merges (k8s.io/api tags). */
export const MERGE_KEYS: Readonly<Record<string, string>> = {
  conditions: "type",
  addresses: "type",
  containers: "name",
  initContainers: "name",
  ephemeralContainers: "name",
  env: "name",
  volumes: "name",
  volumeMounts: "mountPath",
  volumeDevices: "devicePath",
  ports: "containerPort",
  imagePullSecrets: "name",
  ownerReferences: "uid",
  hostAliases: "ip",
  taints: "key",
};

/** Primitive lists merged as sets (`patchStrategy:"merge"` without a key). */
const MERGED_PRIMITIVE_LISTS = new Set(["finalizers"]);

export function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const clone = <T>(v: T): T => structuredClone(v);

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isObj(patch)) return clone(patch);
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k] ?? null, v);
  }
  return out;
}

function unescapePointer(p: string): string[] {
  if (p === "") return [];
  if (!p.startsWith("/")) throw new PatchError(`Invalid JSON pointer "${p}"`);
  return p.slice(1).split("/").map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"));
}

function parentOf(doc: Json, path: string[]): { parent: Obj | Json[]; key: string } {
  let cur: Json = doc;
  for (const seg of path.slice(0, -1)) {
    const next: Json | undefined = Array.isArray(cur)
      ? cur[Number(seg)]
      : isObj(cur)
      ? cur[seg]
      : undefined;
    if (next === undefined) throw new PatchError(`Path "/${path.join("/")}" does not exist`);
    cur = next;
  }
  if (!isObj(cur) && !Array.isArray(cur)) {
    throw new PatchError(`Path "/${path.join("/")}" has no parent`);
  }
  return { parent: cur, key: path[path.length - 1] ?? "" };
}

function getAt(doc: Json, path: string[]): Json {
  const { parent, key } = parentOf(doc, path);
  const v = Array.isArray(parent) ? parent[Number(key)] : parent[key];
  if (v === undefined) throw new PatchError(`Path "/${path.join("/")}" does not exist`);
  return v;
}

function removeAt(doc: Json, path: string[]): void {
  const { parent, key } = parentOf(doc, path);
  getAt(doc, path);
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else delete parent[key];
}

function addAt(doc: Json, path: string[], value: Json): Json {
  if (path.length === 0) return value;
  const { parent, key } = parentOf(doc, path);
  if (Array.isArray(parent)) {
    const i = key === "-" ? parent.length : Number(key);
    if (!Number.isInteger(i) || i < 0 || i > parent.length) {
      throw new PatchError(`Bad index "${key}"`);
    }
    parent.splice(i, 0, value);
  } else parent[key] = value;
  return doc;
}

/** RFC 6902 JSON patch (add, remove, replace, move, copy, test). */
export function jsonPatch(target: Json, ops: Json): Json {
  if (!Array.isArray(ops)) throw new PatchError("A JSON patch must be an array of operations");
  let doc = clone(target);
  for (const op of ops) {
    if (!isObj(op) || typeof op.op !== "string" || typeof op.path !== "string") {
      throw new PatchError('Each JSON patch operation needs "op" and "path"');
    }
    const path = unescapePointer(op.path);
    const from = typeof op.from === "string" ? unescapePointer(op.from) : [];
    switch (op.op) {
      case "add":
        doc = addAt(doc, path, clone(op.value ?? null));
        break;
      case "remove":
        removeAt(doc, path);
        break;
      case "replace":
        getAt(doc, path);
        if (path.length === 0) doc = clone(op.value ?? null);
        else {
          removeAt(doc, path);
          doc = addAt(doc, path, clone(op.value ?? null));
        }
        break;
      case "move": {
        const v = getAt(doc, from);
        removeAt(doc, from);
        doc = addAt(doc, path, v);
        break;
      }
      case "copy":
        doc = addAt(doc, path, clone(getAt(doc, from)));
        break;
      case "test":
        if (JSON.stringify(getAt(doc, path)) !== JSON.stringify(op.value)) {
          throw new PatchError(`Test operation failed at "${op.path}"`);
        }
        break;
      default:
        throw new PatchError(`Unknown JSON patch operation "${op.op}"`);
    }
  }
  return doc;
}

function mergeList(field: string, target: Json[], patch: Json[]): Json[] {
  const key = MERGE_KEYS[field];
  if (key === undefined) {
    if (!MERGED_PRIMITIVE_LISTS.has(field)) return clone(patch);
    return [...target, ...patch.filter((v) => !target.includes(v))];
  }
  const out = clone(target);
  for (const item of patch) {
    if (!isObj(item)) throw new PatchError(`List "${field}" holds objects merged by "${key}"`);
    const i = out.findIndex((t) => isObj(t) && t[key] === item[key]);
    if (item.$patch === "delete") {
      if (i >= 0) out.splice(i, 1);
    } else if (i >= 0) out[i] = strategicMerge(out[i]!, item);
    else out.push(strategicMerge({}, item));
  }
  return out;
}

/** Kubernetes strategic merge patch of `target` by `patch`. */
export function strategicMerge(target: Json, patch: Json): Json {
  if (!isObj(patch)) return clone(patch);
  if (patch.$patch === "replace") {
    const { $patch: _, ...rest } = patch;
    return strategicMerge({}, rest);
  }
  if (patch.$patch === "delete") return null;
  const out: Obj = isObj(target) ? { ...target } : {};
  const retain = Array.isArray(patch.$retainKeys) ? patch.$retainKeys : null;
  for (const [k, v] of Object.entries(patch)) {
    if (k === "$patch" || k === "$retainKeys" || k.startsWith("$setElementOrder/")) continue;
    if (k.startsWith("$deleteFromPrimitiveList/")) {
      const f = k.slice("$deleteFromPrimitiveList/".length);
      const cur = out[f];
      if (Array.isArray(cur) && Array.isArray(v)) out[f] = cur.filter((x) => !v.includes(x));
      continue;
    }
    if (v === null) delete out[k];
    else if (Array.isArray(v) && Array.isArray(out[k])) out[k] = mergeList(k, out[k] as Json[], v);
    else if (Array.isArray(v)) out[k] = mergeList(k, [], v);
    else out[k] = strategicMerge(out[k] ?? null, v);
  }
  if (retain) { for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k]; }
  return out;
}

/** Content types the server accepts for PATCH, with their appliers. */
export const PATCHERS: Readonly<Record<string, (t: Json, p: Json) => Json>> = {
  "application/merge-patch+json": mergePatch,
  "application/json-patch+json": jsonPatch,
  "application/strategic-merge-patch+json": strategicMerge,
};
