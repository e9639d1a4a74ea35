/**
 * The test API server's storage: objects per resource type, one global resourceVersion (as
 * etcd's revision), a bounded event history for watches and a "compacted" mark below which
 * a watch gets 410 Gone, as a real API server after compaction or a restart.
 */
import { isObj, type Json } from "./patch.ts";
import { groupVersion, type ResourceType } from "./resources.ts";

export type Obj = { [k: string]: Json };
export type EventType = "ADDED" | "MODIFIED" | "DELETED";

export interface StoredEvent {
  type: EventType;
  rv: number;
  resource: string;
  object: Obj;
}

/** An API error: becomes a `Status` body with this HTTP code. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details: Obj = {},
  ) {
    super(message);
  }

  status(): Obj {
    return {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
      details: this.details,
      code: this.code,
    };
  }
}

/** `group/plural`, the storage key of a resource type. */
export function resourceKey(t: ResourceType): string {
  return `${t.group}/${t.plural}`;
}

function objKey(ns: string, name: string): string {
  return `${ns}/${name}`;
}

/** `metadata` of an object (created if missing). */
export function meta(o: Obj): Obj {
  if (!isObj(o.metadata)) o.metadata = {};
  return o.metadata as Obj;
}

export interface StateOptions {
  /** Events kept for watches; older ones are compacted away (watch from there → 410). */
  maxHistory?: number;
  now?: () => Date;
}

export class KubeState {
  rv = 100;
  /** Watches from a resourceVersion below this get 410 Gone. */
  compacted = 0;
  readonly history: StoredEvent[] = [];
  readonly #objects = new Map<string, Map<string, Obj>>();
  readonly #listeners = new Set<(e: StoredEvent) => void>();
  readonly #maxHistory: number;
  readonly #now: () => Date;

  constructor(opts: StateOptions = {}) {
    this.#maxHistory = opts.maxHistory ?? 20_000;
    this.#now = opts.now ?? (() => new Date());
  }

  #table(t: ResourceType): Map<string, Obj> {
    const key = resourceKey(t);
    let m = this.#objects.get(key);
    if (!m) this.#objects.set(key, m = new Map());
    return m;
  }

  /**
   * Objects of a type (in one namespace, or all), sorted by namespace and name. Copies unless
   * `shared` (a caller that only serialises them saves cloning 1,000 nodes per page).
   */
  list(t: ResourceType, ns?: string, shared = false): Obj[] {
    const all = [...this.#table(t).entries()].filter(([k]) =>
      ns === undefined || k.startsWith(ns + "/")
    );
    const sorted = all.sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0).map(([, o]) => o);
    return shared ? sorted : sorted.map((o) => structuredClone(o));
  }

  get(t: ResourceType, ns: string, name: string): Obj | null {
    const o = this.#table(t).get(objKey(ns, name));
    return o ? structuredClone(o) : null;
  }

  /** Registers a listener for every committed event; returns the unsubscribe function. */
  subscribe(fn: (e: StoredEvent) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  #commit(t: ResourceType, type: EventType, o: Obj): Obj {
    const e: StoredEvent = {
      type,
      rv: this.rv,
      resource: resourceKey(t),
      object: structuredClone(o),
    };
    this.history.push(e);
    if (this.history.length > this.#maxHistory) {
      const dropped = this.history.splice(0, this.history.length - this.#maxHistory);
      this.compacted = Math.max(this.compacted, dropped[dropped.length - 1]!.rv);
    }
    for (const fn of this.#listeners) fn(e);
    return structuredClone(o);
  }

  #stamp(t: ResourceType, o: Obj, ns: string): void {
    o.apiVersion = groupVersion(t);
    o.kind = t.kind;
    const m = meta(o);
    if (t.namespaced) m.namespace = ns;
    else delete m.namespace;
  }

  /** Creates an object; 409 AlreadyExists when taken. `dryRun` validates without storing. */
  create(t: ResourceType, ns: string, input: Obj, dryRun = false): Obj {
    const o = structuredClone(input);
    const m = meta(o);
    if (typeof m.name !== "string" || m.name === "") {
      if (typeof m.generateName !== "string") {
        throw new ApiError(
          422,
          "Invalid",
          `${t.kind} "" is invalid: metadata.name: Required value`,
        );
      }
      m.name = m.generateName + crypto.randomUUID().slice(0, 5);
    }
    const name = m.name as string;
    if (this.#table(t).has(objKey(ns, name))) {
      throw new ApiError(409, "AlreadyExists", `${t.plural} "${name}" already exists`, {
        name,
        group: t.group,
        kind: t.plural,
      });
    }
    this.#stamp(t, o, ns);
    m.uid = crypto.randomUUID();
    m.creationTimestamp = this.#now().toISOString().replace(/\.\d{3}Z$/, "Z");
    if (t.kind === "DaemonSet") m.generation = 1;
    if (dryRun) return { ...o, metadata: { ...m, resourceVersion: String(this.rv) } };
    m.resourceVersion = String(++this.rv);
    this.#table(t).set(objKey(ns, name), o);
    return this.#commit(t, "ADDED", o);
  }

  /** Replaces an object (must exist); a MODIFIED event unless nothing changed. */
  update(t: ResourceType, ns: string, name: string, next: Obj, dryRun = false): Obj {
    const cur = this.#table(t).get(objKey(ns, name));
    if (!cur) throw notFound(t, name);
    const o = structuredClone(next);
    this.#stamp(t, o, ns);
    const m = meta(o);
    const cm = meta(cur);
    m.name = name;
    m.uid = cm.uid ?? null;
    m.creationTimestamp = cm.creationTimestamp ?? null;
    m.resourceVersion = cm.resourceVersion ?? null;
    if (JSON.stringify(o) === JSON.stringify(cur) || dryRun) {
      return structuredClone(dryRun ? o : cur);
    }
    if (t.kind === "DaemonSet" && JSON.stringify(o.spec) !== JSON.stringify(cur.spec)) {
      m.generation = Number(cm.generation ?? 1) + 1;
    }
    m.resourceVersion = String(++this.rv);
    this.#table(t).set(objKey(ns, name), o);
    return this.#commit(t, "MODIFIED", o);
  }

  /** Deletes an object; 404 when missing. */
  delete(t: ResourceType, ns: string, name: string, dryRun = false): Obj {
    const cur = this.#table(t).get(objKey(ns, name));
    if (!cur) throw notFound(t, name);
    if (dryRun) return structuredClone(cur);
    this.#table(t).delete(objKey(ns, name));
    meta(cur).resourceVersion = String(++this.rv);
    return this.#commit(t, "DELETED", cur);
  }

  /** Forgets all history: every watch from an older resourceVersion gets 410 Gone. */
  expireHistory(): void {
    this.compacted = this.rv;
    this.history.length = 0;
  }

  /** History events after `rv`, or `null` when some of them were compacted away. */
  since(rv: number): StoredEvent[] | null {
    if (rv < this.compacted) return null;
    return this.history.filter((e) => e.rv > rv);
  }
}

/** The API's 404 for a missing object. */
export function notFound(t: ResourceType, name: string): ApiError {
  return new ApiError(
    404,
    "NotFound",
    `${t.plural}${t.group ? "." + t.group : ""} "${name}" not found`,
    {
      name,
      group: t.group,
      kind: t.plural,
    },
  );
}
