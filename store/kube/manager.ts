/**
 * The {@linkcode SubnetManager} over the Kubernetes API (built by store/kube.ts): our lease
 * is our node's pod CIDR plus the annotations we write; every managed node's lease comes from
 * the node informer through a {@linkcode LeaseFeed}.
 */
import type { Clock } from "../../mod/clock.ts";
import type { NetworkConfig } from "../../mod/config/net_conf.ts";
import { errorText } from "../../mod/errors.ts";
import type { Logger } from "../../mod/log.ts";
import {
  allAnnotationNames,
  type AnnotationNames,
  macFromBackendData,
} from "../../mod/lease/annotations.ts";
import { annotation, type KubeNode } from "../../mod/lease/node.ts";
import {
  annotationPatch,
  hasPodCIDR,
  networkUnavailablePatch,
  ownLease,
  planNodeAnnotations,
} from "../../mod/lease/node_patch.ts";
import type { Lease, LeaseAttrs, LeaseWatchResult } from "../../mod/lease/types.ts";
import type { StoredHints, SubnetManager } from "../../mod/subnet/manager.ts";
import { StoreUnavailableError } from "../../mod/subnet/store.ts";
import type { KubeApi } from "./client.ts";
import { KubeApiError } from "./errors.ts";
import type { NodeInformer } from "./informer.ts";
import type { LeaseFeed } from "./lease_feed.ts";

/** Kube leases are never renewed; upstream stamps them with 24 h. */
const LEASE_MS = 24 * 60 * 60 * 1000;
/** How often the own node is looked at while waiting for it or its pod CIDR. */
const POLL_MS = 500;

/**
 * A transient API failure (unreachable, 429, 5xx) as the {@linkcode StoreUnavailableError}
 * the agent retries; anything else (403, 422, ...) stays as is and ends the acquisition.
 */
function unavailable(err: unknown): never {
  if (err instanceof KubeApiError && err.transient) {
    throw new StoreUnavailableError(err.message, { cause: err });
  }
  throw err;
}

/** Resolves when `signal` aborts. */
function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener("abort", () => resolve(), { once: true })
  );
}

export interface KubeManagerParts {
  api: KubeApi;
  nodeName: string;
  config: NetworkConfig;
  names: AnnotationNames;
  feed: LeaseFeed;
  clock: Clock;
  logger: Logger;
  setNodeNetworkUnavailable: boolean;
  waitLogMs: number;
}

export class KubeSubnetManager implements SubnetManager {
  readonly name: string;
  informer: NodeInformer | null = null;
  readonly #p: KubeManagerParts;
  readonly #keep: Set<string>;
  readonly #stop = new AbortController();
  #running: Promise<void> = Promise.resolve();

  constructor(p: KubeManagerParts) {
    this.#p = p;
    this.name = `Kubernetes Subnet Manager - ${p.nodeName}`;
    this.#keep = new Set(allAnnotationNames(p.names));
  }

  get nodeName(): string {
    return this.#p.nodeName;
  }

  /** What the informer caches of a node: name, resourceVersion, pod CIDRs, our annotations. */
  trimNode = (n: KubeNode): KubeNode => {
    const annotations: Record<string, string> = {};
    for (const [k, v] of Object.entries(n.metadata.annotations ?? {})) {
      if (this.#keep.has(k) && typeof v === "string") annotations[k] = v;
    }
    const spec: KubeNode["spec"] = {};
    if (typeof n.spec?.podCIDR === "string") spec.podCIDR = n.spec.podCIDR;
    if (Array.isArray(n.spec?.podCIDRs)) spec.podCIDRs = n.spec.podCIDRs;
    const metadata: KubeNode["metadata"] = { name: n.metadata.name, annotations };
    if (n.metadata.resourceVersion) metadata.resourceVersion = n.metadata.resourceVersion;
    return { metadata, spec };
  };

  /** Starts the informer (store/kube.ts does, unless the backend is `alloc`). */
  startInformer(informer: NodeInformer): void {
    this.informer = informer;
    this.#running = informer.run(this.#stop.signal);
  }

  getNetworkConfig(): Promise<NetworkConfig> {
    return Promise.resolve(this.#p.config);
  }

  /** VTEP MACs and `node-public-ip(v6)` from our node (a direct GET, as upstream). */
  /** Every config the agent accepts: IPv4, IPv6-only and dual-stack. */
  checkConfig(_config: NetworkConfig): void {}

  async getStoredHints(): Promise<StoredHints> {
    const { api, names, nodeName, logger } = this.#p;
    let node: KubeNode | undefined;
    try {
      node = await api.getNode(nodeName, this.#stop.signal);
    } catch (err) {
      logger.error(`Failed to get node for backend data: ${errorText(err)}`);
      node = this.informer?.nodes.get(nodeName);
    }
    if (!node) return { macV4: null, macV6: null, publicIP: null, publicIPv6: null };
    const text = (k: string) => annotation(node, k) || null;
    return {
      macV4: macFromBackendData(node.metadata.annotations?.[names.backendData]),
      macV6: macFromBackendData(node.metadata.annotations?.[names.backendV6Data]),
      publicIP: text(names.nodePublicIP),
      publicIPv6: text(names.nodePublicIPv6),
    };
  }

  async #ownNode(signal: AbortSignal): Promise<KubeNode | null> {
    if (this.informer) return this.informer.nodes.get(this.#p.nodeName) ?? null;
    try {
      return this.trimNode(await this.#p.api.getNode(this.#p.nodeName, signal));
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return null;
      return unavailable(err);
    }
  }

  /** Our node once it exists and has a pod CIDR, saying what we wait for every few seconds. */
  async #nodeWithPodCIDR(signal: AbortSignal): Promise<KubeNode> {
    const { clock, logger, nodeName, waitLogMs } = this.#p;
    let lastLog = -Infinity;
    for (;;) {
      signal.throwIfAborted();
      const node = await this.#ownNode(signal);
      if (node && hasPodCIDR(node)) return node;
      if (clock.now() - lastLog >= waitLogMs) {
        lastLog = clock.now();
        logger.warn(
          node
            ? `Waiting for node "${nodeName}" to get a pod CIDR: node "${nodeName}" pod cidr not ` +
              `assigned (kube-controller-manager --allocate-node-cidrs or kubelet --pod-cidr assign it)`
            : `Waiting for node "${nodeName}" to appear in the node list (is NODE_NAME right?)`,
        );
      }
      await clock.sleep(POLL_MS, signal);
    }
  }

  /**
   * Waits for our pod CIDR, writes our annotations (one strategic-merge patch to
   * `nodes/<name>/status`, only when something changed) and returns the lease.
   */
  async acquireLease(
    config: NetworkConfig,
    attrs: LeaseAttrs,
    signal: AbortSignal,
  ): Promise<Lease> {
    const { api, names, nodeName, logger, clock } = this.#p;
    const node = await this.#nodeWithPodCIDR(AbortSignal.any([signal, this.#stop.signal]));
    const lease = ownLease(node, config, attrs, new Date(clock.now() + LEASE_MS));
    const plan = planNodeAnnotations(node, attrs, names);
    for (const note of plan.notes) logger.info(note);
    if (Object.keys(plan.set).length > 0) {
      await api.patchNodeStatus(nodeName, annotationPatch(plan.set), signal).catch(unavailable);
      logger.v(1, `Annotated node "${nodeName}": ${Object.keys(plan.set).join(", ")}`);
    }
    return lease;
  }

  /** The lease snapshot, then lease events, from the node informer. */
  async *watchLeases(signal: AbortSignal): AsyncGenerator<LeaseWatchResult> {
    const both = AbortSignal.any([signal, this.#stop.signal]);
    if (!this.informer) {
      yield { kind: "snapshot", leases: [] };
      return await untilAborted(both);
    }
    yield* this.#p.feed.watch(both);
  }

  /**
   * Sets `NetworkUnavailable=False` (unless `--set-node-network-unavailable=false`), retrying
   * with backoff until it is written, then waits for `signal`. Kube leases need no renewal.
   */
  async completeLease(_lease: Lease, signal: AbortSignal): Promise<void> {
    const { api, nodeName, logger, clock } = this.#p;
    const both = AbortSignal.any([signal, this.#stop.signal]);
    for (let wait = 1000; this.#p.setNodeNetworkUnavailable && !both.aborted;) {
      try {
        await api.patchNodeStatus(nodeName, networkUnavailablePatch(new Date(clock.now())), both);
        logger.info(`Set condition NetworkUnavailable=False on node "${nodeName}"`);
        break;
      } catch (err) {
        if (both.aborted) break;
        logger.warn(
          `Failed to set the NetworkUnavailable condition: ${errorText(err)} ` +
            `(retrying in ${wait / 1000}s)`,
        );
        await clock.sleep(wait, both);
        wait = Math.min(wait * 2, 30_000);
      }
    }
    await untilAborted(both);
  }

  /** Stops the informer and every watch. */
  async close(): Promise<void> {
    this.#stop.abort();
    await this.#running;
    await this.#p.api.close();
  }
}
