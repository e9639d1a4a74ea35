/**
 * A node informer: list, then watch from the list's resourceVersion; on `410 Gone` (history
 * compacted, API server restarted) or every `resyncMs`, list again and report the difference
 * against the cache; on any other failure retry with backoff and say why. The cache holds a
 * trimmed copy of each node (`trim`), so 1,000 nodes cost little memory.
 *
 * Design notes: client-node's own informer stops for good on the first error that is not a
 * 410 (e.g. the API server restarting: connection refused) and its watch drops the server's
 * error message; ours never stops before `signal`, and a relist is diffed against the cache,
 * so no add, change or delete is lost across restarts or compaction, only coalesced.
 */
import type { Clock } from "../../mod/clock.ts";
import { errorText } from "../../mod/errors.ts";
import type { Logger } from "../../mod/log.ts";
import type { KubeNode } from "../../mod/lease/node.ts";
import type { KubeApi, WatchEvent } from "./client.ts";
import { apiError, KubeApiError, type KubeStatus } from "./errors.ts";

/** A node appeared (`before` null), changed, or went away (`after` null). */
export interface NodeChange {
  name: string;
  before: KubeNode | null;
  after: KubeNode | null;
}

export interface InformerOptions {
  api: Pick<KubeApi, "listNodes" | "watchNodes">;
  /** What of a node to keep in the cache (and hand to `onChanges`). */
  trim: (node: KubeNode) => KubeNode;
  /** Called with each list difference (one batch) and each watch event (a batch of one). */
  onChanges: (changes: NodeChange[]) => void;
  clock: Clock;
  logger: Logger;
  /** Period of the full relist; default 5 min (upstream's resync period). */
  resyncMs?: number;
  /** `timeoutSeconds` asked for each watch; default 300. */
  watchTimeoutSeconds?: number;
  /** A watch silent this long is dead; default 90 s. */
  idleMs?: number;
  /** Retry backoff bounds; default 1 s → 30 s. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

const rvOf = (n: KubeNode) => n.metadata.resourceVersion ?? "";

export class NodeInformer {
  /** The cache: node name → trimmed node. */
  readonly nodes = new Map<string, KubeNode>();
  /** Number of full lists done (1 after the first sync). */
  lists = 0;
  #rv = "";
  #listedAt = 0;
  readonly #o: InformerOptions;
  readonly #synced: PromiseWithResolvers<void> = Promise.withResolvers();

  constructor(o: InformerOptions) {
    this.#o = o;
  }

  /** Resolves once the first list is in the cache. */
  get synced(): Promise<void> {
    return this.#synced.promise;
  }

  #trim(obj: unknown): KubeNode | null {
    const n = obj as KubeNode;
    if (typeof n?.metadata?.name !== "string") return null;
    return this.#o.trim(n);
  }

  async #relist(signal: AbortSignal): Promise<void> {
    const list = await this.#o.api.listNodes(signal, (n) => this.#trim(n) ?? n);
    const fresh = new Map<string, KubeNode>();
    for (const n of list.items) {
      if (typeof n?.metadata?.name === "string") fresh.set(n.metadata.name, n);
    }
    const changes: NodeChange[] = [];
    for (const [name, after] of fresh) {
      const before = this.nodes.get(name) ?? null;
      if (!before || rvOf(before) !== rvOf(after)) changes.push({ name, before, after });
    }
    for (const [name, before] of this.nodes) {
      if (!fresh.has(name)) changes.push({ name, before, after: null });
    }
    this.nodes.clear();
    for (const [k, v] of fresh) this.nodes.set(k, v);
    this.#rv = list.resourceVersion;
    this.#listedAt = this.#o.clock.now();
    this.lists++;
    if (changes.length > 0) this.#o.onChanges(changes);
    this.#synced.resolve();
  }

  /** Applies one watch event; returns true when the server said 410 Gone. */
  #apply(e: WatchEvent): boolean {
    if (e.type === "ERROR") {
      const st = e.object as KubeStatus;
      if (st.code === 410) return true;
      throw apiError("watch", "nodes", st.code ?? 500, st);
    }
    const rv = (e.object.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
    if (e.type !== "BOOKMARK") {
      const n = this.#trim(e.object);
      if (n) this.#event(e.type, n);
    }
    if (rv) this.#rv = rv;
    return false;
  }

  #event(type: string, n: KubeNode): void {
    const name = n.metadata.name;
    const before = this.nodes.get(name) ?? null;
    if (type === "DELETED") {
      this.nodes.delete(name);
      this.#o.onChanges([{ name, before: before ?? n, after: null }]);
    } else if (type === "ADDED" || type === "MODIFIED") {
      if (before && rvOf(before) === rvOf(n)) return;
      this.nodes.set(name, n);
      this.#o.onChanges([{ name, before, after: n }]);
    }
  }

  /** Watches until the stream ends; returns true when a relist is needed (410). */
  async #watch(signal: AbortSignal): Promise<boolean> {
    let gone = false;
    await this.#o.api.watchNodes(this.#rv, (e) => {
      if (!gone) gone = this.#apply(e);
    }, {
      timeoutSeconds: this.#o.watchTimeoutSeconds ?? 300,
      idleMs: this.#o.idleMs ?? 90_000,
    }, signal);
    return gone;
  }

  /** Lists and watches until `signal` aborts; never throws. */
  async run(signal: AbortSignal): Promise<void> {
    const { clock, logger } = this.#o;
    const resyncMs = this.#o.resyncMs ?? 5 * 60_000;
    let failures = 0;
    while (!signal.aborted) {
      const step = this.#rv === "" ? "list" : "watch";
      const started = clock.now();
      try {
        if (step === "list") await this.#relist(signal);
        else if (await this.#watch(signal)) {
          logger.info(
            `Node watch expired at resourceVersion ${this.#rv} (410 Gone): listing again`,
          );
          this.#rv = "";
        } else if (clock.now() - this.#listedAt >= resyncMs) this.#rv = "";
        // A watch that ends at once (a server going down) must not spin.
        if (step === "list" || clock.now() - started >= 1000) failures = 0;
        else await clock.sleep(this.#backoff(++failures), signal);
      } catch (err) {
        if (signal.aborted) break;
        if (err instanceof KubeApiError && err.gone) {
          this.#rv = "";
          continue;
        }
        const wait = this.#backoff(++failures);
        logger.warn(
          `Node ${step} failed: ${errorText(err)} (retrying in ${Math.round(wait / 1000)}s)`,
        );
        await clock.sleep(wait, signal);
      }
    }
  }

  #backoff(failures: number): number {
    const min = this.#o.minBackoffMs ?? 1000;
    return Math.min(this.#o.maxBackoffMs ?? 30_000, min * 2 ** Math.max(0, failures - 1));
  }
}
