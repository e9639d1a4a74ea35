/**
 * The Kubernetes subnet manager (`--kube-subnet-mgr`, spec §3.2): the API server is the store.
 * Our subnet is our node's pod CIDR; we publish our lease attributes as node annotations;
 * every managed node's annotations are a lease that a node informer turns into lease events.
 *
 * Design notes (differences from upstream, each for the operator's sake):
 * - a node without a pod CIDR yet is waited for, with a line every few seconds, instead of an
 *   exit and a restart loop; likewise a node name that is not (yet) in the node list, and an
 *   API server that cannot be reached yet when our pod is looked up for the node name;
 * - the informer never gives up (client-go's does not either, upstream's exit on sync timeout
 *   is kept); a relist after 410 Gone or a restart is diffed, so no event is lost;
 * - RBAC refusals name the verb, the resource and the ClusterRole rules to grant;
 * - dual-stack updates are reported when either family changed (mod/lease/node.ts);
 * - the VTEP MAC is restored from the normalised annotation name (mod/lease/annotations.ts).
 *
 * @example
 * ```ts
 * const { createKubeSubnetManager } = await import("./store/kube.ts");
 * const manager = await createKubeSubnetManager({ ...flags, env: Deno.env.toObject(), logger });
 * ```
 */
import { type Clock, systemClock } from "../mod/clock.ts";
import { parseNetworkConfig } from "../mod/config/net_conf.ts";
import { ConfigError, errorText } from "../mod/errors.ts";
import type { Logger } from "../mod/log.ts";
import { readRegularFileSync } from "../mod/regular_file.ts";
import { annotationNames } from "../mod/lease/annotations.ts";
import { connectKube, type KubeApi } from "./kube/client.ts";
import { eventQueueDepth, kubeTarget, nodeNameSource } from "./kube/config.ts";
import { NodeInformer } from "./kube/informer.ts";
import { LeaseFeed } from "./kube/lease_feed.ts";
import { KubeSubnetManager } from "./kube/manager.ts";
import { KubeApiError } from "./kube/errors.ts";

export { KubeSubnetManager } from "./kube/manager.ts";
export { KubeApiError };

/** What main.ts hands over: the flags of spec §1.2 plus the environment and logger. */
export interface KubeManagerOptions {
  /** `--kube-api-url` ("" = none). */
  kubeApiUrl: string;
  /** `--kubeconfig-file` ("" = none; both empty = in-cluster). */
  kubeconfigFile: string;
  /** `--kube-annotation-prefix`. */
  annotationPrefix: string;
  /** `--net-config-path`. */
  netConfigPath: string;
  /** `--set-node-network-unavailable`. */
  setNodeNetworkUnavailable: boolean;
  /** NODE_NAME, POD_NAME/POD_NAMESPACE, EVENT_QUEUE_DEPTH, CONT_WHEN_CACHE_NOT_READY, KUBERNETES_SERVICE_*. */
  env: Readonly<Record<string, string | undefined>>;
  logger: Logger;
  clock?: Clock;
  /** Aborts the start-up waits (pod lookup, informer sync). */
  signal?: AbortSignal;
  // Tuning and test seams.
  api?: KubeApi;
  serviceAccountDir?: string;
  readTextFile?: (path: string) => Promise<string>;
  /** Informer sync wait before giving up (upstream: 10 min). */
  syncTimeoutMs?: number;
  /** Relist period (upstream resync: 5 min). */
  resyncMs?: number;
  /** Interval of the "waiting for ..." lines. */
  waitLogMs?: number;
  watchTimeoutSeconds?: number;
  idleMs?: number;
}

/** The node a pod runs on (`spec.nodeName`), with upstream's message when it has none. */
function nodeOfPod(pod: { spec?: { nodeName?: unknown } }, namespace: string, name: string) {
  const node = pod.spec?.nodeName;
  if (typeof node !== "string" || node === "") {
    throw new ConfigError(`node name not present in pod spec '${namespace}/${name}'`);
  }
  return node;
}

/**
 * Our node name: `NODE_NAME`, else our pod's `spec.nodeName`. An API server that cannot be
 * reached yet (or answers 429/5xx) is waited for with a line per attempt, as the informer
 * does, instead of exiting: the DaemonSet finds its node this way on every start.
 */
async function resolveNodeName(api: KubeApi, o: KubeManagerOptions, clock: Clock) {
  const src = nodeNameSource(o.env);
  if (src.nodeName !== null) return src.nodeName;
  const { namespace, name } = src.pod!;
  for (let wait = 1000;; wait = Math.min(wait * 2, 30_000)) {
    let pod: { spec?: { nodeName?: unknown } };
    try {
      pod = await api.getPod(namespace, name, o.signal);
    } catch (err) {
      o.signal?.throwIfAborted();
      if (!(err instanceof KubeApiError && err.transient)) {
        throw new ConfigError(
          `error retrieving pod spec for '${namespace}/${name}': ${errorText(err)}`,
          { cause: err },
        );
      }
      o.logger.warn(
        `Failed to get pod '${namespace}/${name}' for the node name: ${errorText(err)} ` +
          `(retrying in ${wait / 1000}s)`,
      );
      await sleepOrAbort(wait, clock, o.signal);
      continue;
    }
    return nodeOfPod(pod, namespace, name);
  }
}

/** Reads a file that must be regular (a FIFO at `--net-config-path` must not hang the start). */
const readRegularFile = (path: string) => Promise.resolve().then(() => readRegularFileSync(path));

async function readNetConf(o: KubeManagerOptions) {
  let text: string;
  try {
    text = await (o.readTextFile ?? readRegularFile)(o.netConfigPath);
  } catch (err) {
    throw new ConfigError(`failed to read net conf: ${errorText(err)}`, { cause: err });
  }
  try {
    // Kubernetes sizes the pod CIDRs (`--node-cidr-mask-size`); SubnetLen is not used here
    // (upstream does not validate the kube config), so remote leases need only lie inside the
    // Network and be longer than it (mod/lease/validate.ts).
    return { ...parseNetworkConfig(text), subnetLen: 0, ipv6SubnetLen: 0 };
  } catch (err) {
    throw new ConfigError(`error parsing subnet config: ${errorText(err)}`, { cause: err });
  }
}

function sleepOrAbort(ms: number, clock: Clock, signal?: AbortSignal) {
  return clock.sleep(ms, signal).then(() => signal?.throwIfAborted());
}

/** A duration as Go prints it (`10m0s`, `1m30s`, `45s`, `300ms`). */
function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`;
}

async function waitForSync(m: KubeSubnetManager, o: KubeManagerOptions, clock: Clock) {
  const limit = o.syncTimeoutMs ?? 10 * 60_000;
  o.logger.info(`Waiting ${goDuration(limit)} for node controller to sync`);
  const timeout = new AbortController();
  const synced = await Promise.race([
    m.informer!.synced.then(() => true),
    sleepOrAbort(limit, clock, AbortSignal.any([timeout.signal, ...(o.signal ? [o.signal] : [])]))
      .then(() => false),
  ]).finally(() => timeout.abort());
  if (synced) return o.logger.info("Node controller sync successful");
  if (o.env.CONT_WHEN_CACHE_NOT_READY === "true") {
    return o.logger.warn("Timed out waiting for node controller sync. Continuing anyway.");
  }
  throw new ConfigError(
    "error waiting for nodeController to sync state: timed out waiting for the condition",
  );
}

/**
 * Builds the manager: API client, node name, net-conf, then (unless the backend is `alloc`)
 * a running node informer, synced. Throws upstream's start-up errors ({@linkcode ConfigError}).
 * The caller must `close()` the manager.
 */
export async function createKubeSubnetManager(o: KubeManagerOptions): Promise<KubeSubnetManager> {
  const clock = o.clock ?? systemClock;
  const names = annotationNames(o.annotationPrefix);
  const maxBatch = eventQueueDepth(o.env);
  const api = o.api ?? await connectKube(kubeTarget({
    kubeApiUrl: o.kubeApiUrl,
    kubeconfigFile: o.kubeconfigFile,
    env: o.env,
    ...(o.serviceAccountDir ? { serviceAccountDir: o.serviceAccountDir } : {}),
  }));
  const nodeName = await resolveNodeName(api, o, clock);
  const config = await readNetConf(o);
  const logger = o.logger.with("kube");
  const feed = new LeaseFeed(names, config, logger, maxBatch);
  const m = new KubeSubnetManager({
    api,
    nodeName,
    config,
    names,
    feed,
    clock,
    logger,
    setNodeNetworkUnavailable: o.setNodeNetworkUnavailable,
    waitLogMs: o.waitLogMs ?? 5000,
  });
  if (config.backendType === "alloc") {
    logger.info("Node controller skips sync");
    return m;
  }
  m.startInformer(
    new NodeInformer({
      api,
      trim: m.trimNode,
      onChanges: (c) => feed.apply(c),
      clock,
      logger,
      ...(o.resyncMs !== undefined ? { resyncMs: o.resyncMs } : {}),
      ...(o.watchTimeoutSeconds !== undefined
        ? { watchTimeoutSeconds: o.watchTimeoutSeconds }
        : {}),
      ...(o.idleMs !== undefined ? { idleMs: o.idleMs } : {}),
    }),
  );
  try {
    await waitForSync(m, o, clock);
  } catch (err) {
    await m.close();
    throw err;
  }
  return m;
}
