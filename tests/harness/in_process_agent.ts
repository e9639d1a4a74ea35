/**
 * The real agent lifecycle (mod/agent `runAgent`) run inside the test process for one host
 * of a namespace cluster: an rtnetlink socket opened inside the host's namespace, sysctls
 * through `ip netns exec` (never the root namespace), the backend registry, fast full passes.
 * subnet.env written as the agent writes it (no `--ip-masq`). The caller brings the subnet
 * manager and the logger.
 */
import { lookupBackend } from "../../backends/mod.ts";
import type { AgentDeps } from "../../mod/agent/agent.ts";
import { agentSubnetEnv } from "../../mod/agent/subnet_env.ts";
import { writeSubnetEnvFile } from "../../mod/config/subnet_env_file.ts";
import { NetlinkKernel } from "../../mod/agent/netlink_kernel.ts";
import { openAgentRtnl } from "../../mod/agent/agent_rtnl.ts";
import { systemClock } from "../../mod/clock.ts";
import type { Logger } from "../../mod/log.ts";
import { RTPROT_FLANNEL } from "../../mod/reconcile/diff.ts";
import type { SubnetManager } from "../../mod/subnet/manager.ts";
import type { Host } from "../../scripts/lab/cluster.ts";
import { exec } from "../../scripts/lab/netns.ts";

export interface InProcessAgentOptions {
  manager: SubnetManager;
  logger: Logger;
}

/** The agent's dependencies for host `h`; `close()` the connection after the run. */
export function inProcessAgent(
  h: Host,
  o: InProcessAgentOptions,
): { deps: AgentDeps; close(): void } {
  const rtnl = openAgentRtnl(h.ns.path);
  const kernel = new NetlinkKernel(rtnl, RTPROT_FLANNEL, async (path, value) => {
    const sysctl = `net.${path.replaceAll("/", ".")}=${value}`;
    await exec("ip", ["netns", "exec", h.ns.name, "sysctl", "-qw", sysctl]);
  });
  const deps: AgentDeps = {
    options: {
      subnetFile: h.subnetFile,
      ipMasq: false,
      reconcileIntervalSeconds: 1,
      iface: ["eth0"],
      ifaceRegex: [],
      ifaceCanReach: null,
      publicIP: null,
      publicIPv6: null,
    },
    manager: o.manager,
    backendFor: (cfg) => {
      const f = lookupBackend(cfg.backendType);
      return f.create(f.parseConfig(cfg.backend), {
        devices: kernel,
        randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
      });
    },
    kernel,
    readFacts: (r) => kernel.readFacts(r),
    writeSubnetEnv: (s) => writeSubnetEnvFile(h.subnetFile, agentSubnetEnv(s, false)),
    clock: systemClock,
    logger: o.logger,
  };
  return { deps, close: () => rtnl.close() };
}
