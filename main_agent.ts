/**
 * The agent's part of the composition root (main.ts loads it with `await import()` in agent
 * mode only, so a CNI call never parses it): builds the real pieces — the store's subnet
 * manager (only the client in use is loaded), the rtnetlink connection, the backend registry,
 * subnet.env — and runs mod/agent's lifecycle until SIGINT/SIGTERM.
 *
 * mod/daemon supplies the daemon's part: signals, the health server, the br_netfilter check
 * (before the backend is built), firewall rules and their loops (`beforeReady`), readiness
 * (`onReady`) and sd_notify (`onRunning`).
 */
import { lookupBackend } from "./backends/mod.ts";
import { type AgentDeps, runAgent } from "./mod/agent/agent.ts";
import type { BackendDeps } from "./backends/contract.ts";
import { NetlinkKernel, procSysctl } from "./mod/agent/netlink_kernel.ts";
import { kernelEvents, openAgentRtnl } from "./mod/agent/agent_rtnl.ts";
import { agentSubnetEnv } from "./mod/agent/subnet_env.ts";
import { systemClock } from "./mod/clock.ts";
import type { Options } from "./mod/config/flags.ts";
import { flagsConfigLine } from "./mod/config/flags_text.ts";
import { previousSubnets, subnetEnvVars } from "./mod/config/subnet_env.ts";
import { readSubnetEnvFile, writeSubnetEnvFile } from "./mod/config/subnet_env_file.ts";
import { errorText } from "./mod/errors.ts";
import { createLogger, type Logger } from "./mod/log.ts";
import { RTPROT_FLANNEL } from "./mod/reconcile/diff.ts";
import type { SubnetManager } from "./mod/subnet/manager.ts";
import { PolicySubnetManager } from "./mod/subnet/policy.ts";
import { Daemon } from "./mod/daemon/daemon.ts";
import { realDaemonDeps } from "./mod/daemon/real.ts";
import { shutdownOnSignals } from "./mod/daemon/signals.ts";

/** Builds the subnet manager of `--store` (etcd, local or kube); loads only that client. */
async function createManager(o: Options, log: Logger, signal: AbortSignal): Promise<SubnetManager> {
  if (o.store === "kube") {
    const { createKubeSubnetManager } = await import("./store/kube.ts");
    return await createKubeSubnetManager({
      kubeApiUrl: o.kubeApiUrl,
      kubeconfigFile: o.kubeConfigFile,
      annotationPrefix: o.kubeAnnotationPrefix,
      netConfigPath: o.netConfPath,
      setNodeNetworkUnavailable: o.setNodeNetworkUnavailable,
      env: Deno.env.toObject(),
      logger: log.with("kube"),
      signal,
    });
  }
  const text = await readSubnetEnvFile(o.subnetFile).catch(() => null);
  const previous = previousSubnets(subnetEnvVars(text, log, o.subnetFile), log, o.subnetFile);
  const store = o.store === "local"
    ? await (await import("./store/local.ts")).createLocalStore({
      dir: o.localStoreDir,
      configFile: o.localNetworkConfig,
      log: log.with("local"),
    })
    : await (await import("./store/etcd.ts")).createEtcdStore({
      endpoints: [...o.etcdEndpoints],
      prefix: o.etcdPrefix,
      caFile: o.etcdCAFile,
      certFile: o.etcdCertfile,
      keyFile: o.etcdKeyfile,
      username: o.etcdUsername,
      password: o.etcdPassword,
      log: log.with("etcd"),
    });
  return new PolicySubnetManager({
    store,
    previous,
    renewMarginMinutes: o.subnetLeaseRenewMargin,
    log: log.with("subnet"),
  });
}

function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

/** Runs the agent with parsed options; returns the exit status. */
export async function runAgentFace(o: Options): Promise<number> {
  const log = createLogger({ verbosity: o.verbosity });
  log.info(flagsConfigLine(o));
  const ctl = shutdownOnSignals({ logger: log });
  const rtnl = openAgentRtnl();
  let manager: SubnetManager | null = null;
  let daemon: Daemon;
  try {
    daemon = await Daemon.start(realDaemonDeps(o, log, rtnl));
  } catch (err) {
    log.error(errorText(err));
    rtnl.close();
    ctl.dispose();
    return 1;
  }
  try {
    manager = await createManager(o, log, ctl.signal);
    const kernel = new NetlinkKernel(rtnl, RTPROT_FLANNEL, procSysctl);
    const backendDeps: BackendDeps = { devices: kernel, randomBytes };
    const deps: AgentDeps = {
      options: o,
      manager,
      backendFor: (c) => {
        daemon.checkPrerequisites(c); // step 8, before the backend (upstream's order)
        const f = lookupBackend(c.backendType);
        return f.create(f.parseConfig(c.backend), backendDeps);
      },
      kernel,
      events: kernelEvents(rtnl),
      readFacts: (canReach) => kernel.readFacts(canReach),
      writeSubnetEnv: (s) => writeSubnetEnvFile(o.subnetFile, agentSubnetEnv(s, o.ipMasq)),
      clock: systemClock,
      logger: log,
      ...daemon.hooks(),
    };
    return await runAgent(deps, ctl.signal);
  } catch (err) {
    if (ctl.signal.aborted) {
      // Stopped while the subnet manager was still starting (e.g. waiting for the Kubernetes
      // API server): a requested stop, not a failure.
      log.info("Exiting cleanly...");
      return 0;
    }
    log.error(`Failed to create SubnetManager: ${errorText(err)}`);
    return 1;
  } finally {
    await daemon.close();
    await manager?.close().catch(() => {});
    rtnl.close();
    ctl.dispose();
  }
}
