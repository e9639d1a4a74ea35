/**
 * Watch streams of the test API server, as kube-apiserver serves them: one JSON object per
 * line (`{"type":"ADDED","object":{...}}`), history replayed after `resourceVersion`, the
 * current objects as ADDED when no resourceVersion (or "0") is given, an `ERROR` event with a
 * 410 `Expired` Status (then the end of the stream) when that history was compacted,
 * `BOOKMARK` events when `allowWatchBookmarks=true`, and the end after `timeoutSeconds`.
 */
import { ApiError, KubeState, meta, type Obj, resourceKey, type StoredEvent } from "./state.ts";
import { groupVersion, type ResourceType } from "./resources.ts";
import { matchesSelectors } from "./selectors.ts";

export interface WatchRequest {
  type: ResourceType;
  namespace?: string;
  resourceVersion: string;
  allowBookmarks: boolean;
  timeoutSeconds: number;
  fieldSelector: string;
  labelSelector: string;
}

/** Open watches; the server closes them all on restart, shutdown or admin request. */
export class WatchRegistry {
  readonly #open = new Set<() => void>();

  get size(): number {
    return this.#open.size;
  }

  add(close: () => void): () => void {
    this.#open.add(close);
    return () => this.#open.delete(close);
  }

  closeAll(): void {
    for (const close of [...this.#open]) close();
  }
}

const encoder = new TextEncoder();

function line(type: string, object: Obj): Uint8Array {
  return encoder.encode(JSON.stringify({ type, object }) + "\n");
}

/** A streaming watch response over `state`. */
export function watchResponse(
  state: KubeState,
  req: WatchRequest,
  registry: WatchRegistry,
  bookmarkMs: number,
): Response {
  const key = resourceKey(req.type);
  const wanted = (o: Obj) =>
    (req.namespace === undefined || meta(o).namespace === req.namespace) &&
    matchesSelectors(o, req.fieldSelector, req.labelSelector);
  let cleanup = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(ctrl) {
      let closed = false;
      const timers: ReturnType<typeof setTimeout>[] = [];
      const send = (type: string, o: Obj) => {
        if (!closed) ctrl.enqueue(line(type, o));
      };
      const close = () => {
        if (closed) return;
        closed = true;
        cleanup();
        try {
          ctrl.close();
        } catch { /* already cancelled by the client */ }
      };
      const rv = req.resourceVersion;
      const backlog = rv === "" || rv === "0"
        ? state.list(req.type, req.namespace).map((o): StoredEvent => ({
          type: "ADDED",
          rv: Number(meta(o).resourceVersion),
          resource: key,
          object: o,
        }))
        : state.since(Number(rv));
      if (backlog === null) {
        send(
          "ERROR",
          new ApiError(410, "Expired", `too old resource version: ${rv} (${state.compacted})`)
            .status(),
        );
        queueMicrotask(close);
        return;
      }
      const unsubscribe = state.subscribe((e) => {
        if (e.resource === key && wanted(e.object)) send(e.type, e.object);
      });
      const unregister = registry.add(close);
      cleanup = () => {
        unsubscribe();
        unregister();
        for (const t of timers) clearTimeout(t);
      };
      for (const e of backlog) if (e.resource === key && wanted(e.object)) send(e.type, e.object);
      if (req.allowBookmarks && bookmarkMs > 0) {
        const bookmark = () => {
          send("BOOKMARK", {
            kind: req.type.kind,
            apiVersion: groupVersion(req.type),
            metadata: { resourceVersion: String(state.rv) },
          });
          timers[0] = setTimeout(bookmark, bookmarkMs);
        };
        timers[0] = setTimeout(bookmark, bookmarkMs);
      }
      if (req.timeoutSeconds > 0) timers[1] = setTimeout(close, req.timeoutSeconds * 1000);
    },
    cancel() {
      cleanup();
    },
  });
  return new Response(body, {
    headers: { "content-type": "application/json", "cache-control": "no-cache, private" },
  });
}
