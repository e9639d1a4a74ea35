/**
 * Agents with the Kubernetes subnet manager on a namespace cluster, in-process: each host's
 * agent lifecycle (mod/agent `runAgent`) programs its own namespace through an rtnetlink
 * socket opened inside it, with a `--kube-subnet-mgr` manager (store/kube.ts) that reaches the
 * Kubernetes API test server over 127.0.0.1 from the test process. Hosts are nodes `h<i>`.
 */
import type { Cluster, Host } from "../../../scripts/lab/cluster.ts";
import type { KubeApiServer } from "../../../scripts/lab/kube_api.ts";
import { inProcessAgent } from "../../harness/in_process_agent.ts";
import { runAgent } from "../../../mod/agent/agent.ts";
import { createLogger } from "../../../mod/log.ts";
import { createKubeSubnetManager } from "../../../store/kube.ts";
import type { KubeSubnetManager } from "../../../store/kube/manager.ts";

export const P = "flannel.alpha.coreos.com/";

/** One running in-process agent. */
export interface KubeAgent {
  host: Host;
  manager: KubeSubnetManager;
  logs: string[];
  stop(): Promise<number>;
}

/** Starts host `h`'s agent as node `h<index>` with `netConf` (written to the host's dir). */
export async function startKubeAgent(
  h: Host,
  api: KubeApiServer,
  netConf: string,
): Promise<KubeAgent> {
  await api.writeKubeconfig(`${h.dir}/kubeconfig`);
  await Deno.writeTextFile(`${h.dir}/net-conf.json`, netConf);
  const logs: string[] = [];
  const logger = createLogger({ write: (l) => logs.push(l) });
  const manager = await createKubeSubnetManager({
    kubeApiUrl: "",
    kubeconfigFile: `${h.dir}/kubeconfig`,
    annotationPrefix: "flannel.alpha.coreos.com",
    netConfigPath: `${h.dir}/net-conf.json`,
    setNodeNetworkUnavailable: true,
    env: { NODE_NAME: `h${h.index}` },
    logger,
    waitLogMs: 500,
    idleMs: 10_000,
  });
  const agent = inProcessAgent(h, { manager, logger });
  const ctl = new AbortController();
  const run = runAgent(agent.deps, ctl.signal);
  return {
    host: h,
    manager,
    logs,
    async stop() {
      ctl.abort();
      const code = await run;
      await manager.close();
      agent.close();
      if (Deno.env.get("AGENT_LOG")) console.error(logs.join(""));
      return code;
    },
  };
}

/** Adds node `h<i>` for every host (pod CIDR `10.244.<i>.0/24` unless `noPodCIDR` has i). */
export function addHostNodes(c: Cluster, api: KubeApiServer, noPodCIDR: number[] = []): void {
  for (const h of c.hosts) {
    api.addNode(`h${h.index}`, {
      ...(noPodCIDR.includes(h.index) ? {} : { podCIDR: `10.244.${h.index}.0/24` }),
      addresses: [{ type: "InternalIP", address: h.ip4 }],
    });
  }
}

/** The annotations of node `name` on the server. */
export function annotationsOf(api: KubeApiServer, name: string): Record<string, string> {
  return (api.node(name)?.metadata as { annotations?: Record<string, string> })?.annotations ?? {};
}
