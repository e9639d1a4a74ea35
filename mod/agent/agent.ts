/**
 * The agent's lifecycle (spec §1.5, DESIGN "a node joins"): network config → external
 * interface → backend devices → lease → device addresses → firewall → subnet.env → ready →
 * lease watch feeding the reconciler, periodic full passes (early on kernel events), renewal.
 *
 * Design notes: everything is injected ({@linkcode AgentDeps}), so the whole sequence runs in
 * unit tests against a fake kernel and a fake manager; main.ts wires the real pieces. Errors
 * split in two: what the operator must fix (bad interface, unknown backend, bad backend
 * options, a device that cannot be made) ends the run with a clear line and status 1; what
 * time may fix (store unreachable, config missing or invalid) is retried every second with a
 * line saying so. The first lease snapshot is applied with a full pass, which also prunes
 * entries of leases that vanished while we were down. SIGTERM (abort) leaves the data plane
 * in place; a revoked lease ends the run with status 0, as upstream.
 */
import type { Clock } from "../clock.ts";
import type { NetworkConfig } from "../config/net_conf.ts";
import { errorText } from "../errors.ts";
import { type IPAddr, tryParseIP } from "../ip/mod.ts";
import type { Logger } from "../log.ts";
import type { Lease, LeaseWatchResult } from "../lease/types.ts";
import { type KernelPort, Reconciler } from "../reconcile/reconciler.ts";
import { RTPROT_FLANNEL } from "../reconcile/diff.ts";
import { LeaseRevokedError, type StoredHints, type SubnetManager } from "../subnet/manager.ts";
import type { Backend, ExternalInterface, Prepared } from "../../backends/contract.ts";
import { type IfaceFacts, interfaceLines, selectInterface } from "./iface.ts";
import { type KernelEvents, repairLoop } from "./repair_loop.ts";
import { watchLoop } from "./watch_loop.ts";
import { leaseCheckOf, LeaseGate } from "./lease_gate.ts";
import { Prefetch } from "./prefetch.ts";
import { fatalUnlessUnavailable, retryForever, retryWithBackoff } from "./retry.ts";

/** The options the lifecycle reads (a subset of mod/config/flags.ts `Options`). */
export interface AgentOptions {
  readonly subnetFile: string;
  readonly ipMasq: boolean;
  readonly reconcileIntervalSeconds: number;
  readonly iface: readonly string[];
  readonly ifaceRegex: readonly string[];
  readonly ifaceCanReach: IPAddr | null;
  readonly publicIP: IPAddr | null;
  readonly publicIPv6: IPAddr | null;
}

/** What the agent has once ready; handed to the hooks. */
export interface AgentState {
  config: NetworkConfig;
  iface: ExternalInterface;
  lease: Lease;
  prepared: Prepared;
}

export interface AgentDeps {
  options: AgentOptions;
  manager: SubnetManager;
  /** Registry lookup + `parseConfig` + `create`; throws for unknown types or bad options. */
  backendFor(config: NetworkConfig): Backend;
  kernel: KernelPort;
  /** Links, addresses, default routes and the route to `canReach` (netlink). */
  readFacts(canReach: IPAddr | null): Promise<IfaceFacts>;
  /** rtnetlink notifications for event-driven repair; without them only periodic passes run. */
  events?: KernelEvents;
  /** Formats and writes subnet.env atomically. */
  writeSubnetEnv(state: AgentState): Promise<void>;
  clock: Clock;
  logger: Logger;
  /** Firewall rules (masquerade, forward): run before subnet.env is written. */
  beforeReady?(state: AgentState, signal: AbortSignal): Promise<void>;
  /** subnet.env is written: readyz. */
  onReady?(state: AgentState): void;
  /** The backend runs (after "Running backend."): sd_notify READY=1. */
  onRunning?(state: AgentState): void;
}

/** Exit status for an error the operator must fix. */
export const EXIT_FATAL = 1;

const NO_HINTS: StoredHints = { macV4: null, macV6: null, publicIP: null, publicIPv6: null };

async function chooseInterface(d: AgentDeps, hints: StoredHints, config: NetworkConfig) {
  const o = d.options;
  const facts = await d.readFacts(o.ifaceCanReach);
  // kube mode: the node's public-ip annotations replace the flags (spec §1.5 step 9).
  const pub = (text: string | null, flag: IPAddr | null) =>
    (text === null ? null : tryParseIP(text)) ?? flag;
  const publicIP = pub(hints.publicIP, o.publicIP);
  const publicIPv6 = pub(hints.publicIPv6, o.publicIPv6);
  const iface = selectInterface(facts, {
    ifaces: o.iface,
    ifaceRegex: o.ifaceRegex,
    canReach: o.ifaceCanReach,
    publicIP,
    publicIPv6,
    enableIPv4: config.enableIPv4,
    enableIPv6: config.enableIPv6,
  }, (m) => d.logger.info(m));
  for (const line of interfaceLines(iface, publicIP, publicIPv6)) d.logger.info(line);
  return iface;
}

/** Everything up to "ready": returns the state, or throws what must end the run. */
interface Boot {
  state: AgentState;
  backend: Backend;
  /** The lease watch, opened during acquisition (its first snapshot is read meanwhile). */
  watch: AsyncIterable<LeaseWatchResult>;
}

async function bootstrap(d: AgentDeps, signal: AbortSignal): Promise<Boot | null> {
  const { manager, logger } = d;
  logger.info(`Created subnet manager: ${manager.name}`);
  const config = await retryForever(
    d,
    signal,
    "Couldn't fetch network config",
    () => manager.getNetworkConfig(),
  );
  if (config === null) return null;
  logger.info(`Found network config - Backend type: ${config.backendType}`);
  manager.checkConfig(config);
  if (config.backendDefaulted) {
    logger.warn(`The network config has no "Backend": using "${config.backendType}"`);
  }
  const backend = d.backendFor(config);
  const hints = await manager.getStoredHints().catch((err) => {
    logger.warn(`Could not read stored hints: ${errorText(err)}`);
    return NO_HINTS;
  });
  const iface = await chooseInterface(d, hints, config);
  const env = { config, iface, hints, logger: logger.with(backend.type) };
  const first = await backend.prepare({ ...env, lease: null });
  const watch = new Prefetch(manager.watchLeases(signal));
  const lease = await retryForever(
    d,
    signal,
    "Failed to acquire lease",
    () => manager.acquireLease(config, first.attrs, signal),
    fatalUnlessUnavailable,
  );
  if (lease === null) return null;
  logger.info(`Acquired lease ${lease.subnet ?? ""} ${lease.ipv6Subnet ?? ""}`.trimEnd());
  const prepared = await backend.prepare({ ...env, lease });
  return { state: { config, iface, lease, prepared }, backend, watch };
}

/** The reconciler; each full pass first re-ensures the devices (a deleted flannel.1 comes back). */
function makeReconciler(d: AgentDeps, s: AgentState, b: Backend): Reconciler {
  const ensure = async () => {
    const env = { config: s.config, iface: s.iface, lease: s.lease, hints: NO_HINTS };
    s.prepared = await b.prepare({ ...env, logger: d.logger.with(b.type) });
  };
  return new Reconciler({
    kernel: d.kernel,
    scope: {
      devices: s.prepared.devices,
      networks: [s.config.network, s.config.ipv6Network].filter((n) => n !== null),
      protocol: RTPROT_FLANNEL,
    },
    clock: d.clock,
    logger: d.logger.with("reconcile"),
    intervalMs: d.options.reconcileIntervalSeconds * 1000,
    ensure,
  });
}

/** Event-driven repair for the watch loop, when the kernel's notifications are available. */
function repairOf(d: AgentDeps, s: AgentState, reconciler: Reconciler, signal: AbortSignal) {
  const events = d.events;
  if (events === undefined) return {};
  const logger = d.logger.with("reconcile");
  const devices = () => s.prepared.devices;
  return {
    repair: () => repairLoop({ events, reconciler, devices, clock: d.clock, logger, signal }),
  };
}

/**
 * Runs the agent until `signal` aborts (status 0), the lease is revoked (0), or an error the
 * operator must fix (1, after an error line).
 */
export async function runAgent(d: AgentDeps, signal: AbortSignal): Promise<number> {
  // `life` ends everything we started (watch, loops) whatever way the run ends.
  const life = new AbortController();
  const inner = AbortSignal.any([signal, life.signal]);
  let boot: Boot | null;
  try {
    boot = await bootstrap(d, inner);
  } catch (err) {
    life.abort();
    if (signal.aborted) return 0;
    d.logger.error(`Error registering network: ${errorText(err)}`);
    return EXIT_FATAL;
  }
  if (boot === null) return 0;
  const { state: s, backend: b, watch } = boot;
  const reconciler = makeReconciler(d, s, b);
  const env = await ready(d, s, inner);
  if (env === null) {
    life.abort();
    return EXIT_FATAL;
  }
  d.logger.info("Running backend.");
  // The watch was opened during acquisition: its first snapshot is usually read by now.
  const repair = repairOf(d, s, reconciler, inner);
  const watching = watchLoop({
    ...d,
    ...repair,
    state: s,
    reconciler,
    gate: new LeaseGate(leaseCheckOf(s), d.logger),
    signal: inner,
    first: watch,
  });
  d.onRunning?.(s);
  const status = await complete(d, s, inner);
  life.abort();
  d.logger.info("Waiting for all goroutines to exit");
  await Promise.all([watching, env.written]);
  d.logger.info("Exiting cleanly...");
  return status;
}

/**
 * Firewall, then subnet.env and readiness: null when the firewall cannot be set up. A failed
 * write is retried in the background (`written` ends when it is done or the agent stops);
 * the backend runs meanwhile and readiness waits for the file.
 */
async function ready(d: AgentDeps, s: AgentState, signal: AbortSignal) {
  try {
    await d.beforeReady?.(s, signal);
  } catch (err) {
    d.logger.error(`Failed to set up traffic rules: ${errorText(err)}`);
    return null;
  }
  const write = async () => {
    await d.writeSubnetEnv(s);
    d.logger.info(`Wrote subnet file to ${d.options.subnetFile}`);
    d.logger.info("flannel is ready");
    d.onReady?.(s);
  };
  try {
    await write();
    return { written: Promise.resolve(true) };
  } catch (err) {
    return { written: retryWithBackoff(d, signal, "Failed to write subnet file", write, err) };
  }
}

/** Renewal for the life of the agent: 0 on stop or revocation, 1 when renewal breaks. */
async function complete(d: AgentDeps, s: AgentState, signal: AbortSignal): Promise<number> {
  try {
    await d.manager.completeLease(s.lease, signal);
  } catch (err) {
    if (err instanceof LeaseRevokedError) d.logger.info(err.message);
    else if (!signal.aborted) {
      d.logger.error(`Lease renewal failed: ${errorText(err)}`);
      return EXIT_FATAL;
    }
  }
  return 0;
}
