/**
 * Running agents for the agent benchmarks: a real etcd with a client in this process, the
 * synthetic leases put into it, and an agent started on a fresh host with N leases waiting.
 */
import { Etcd3 } from "etcd3";
import { AgentProcess } from "../lab/agent_process.ts";
import { Cluster, type Host } from "../lab/cluster.ts";
import { EtcdServer } from "../lab/etcd.ts";
import { agentFlags, leaseKey, leaseValue } from "./agent_data.ts";
import { nowMs } from "./common.ts";
import { entryCount } from "./overlay.ts";

/** Runs `fn` with an etcd (unix socket endpoint for agents) and a client of it. */
export async function withEtcd<T>(fn: (client: Etcd3, endpoint: string) => Promise<T>) {
  const etcd = await EtcdServer.start({ unixSocket: true });
  const client = new Etcd3({ hosts: etcd.endpoint });
  try {
    return await fn(client, etcd.unixEndpoint!);
  } finally {
    client.close();
    await etcd.close();
  }
}

/** Puts the leases of peers `from`..`to`-1, 64 at a time. */
export async function putLeases(client: Etcd3, prefix: string, from: number, to: number) {
  const CONC = 64;
  for (let i = from; i < to; i += CONC) {
    const batch = [];
    for (let j = i; j < Math.min(to, i + CONC); j++) {
      batch.push(client.put(leaseKey(prefix, j)).value(leaseValue(j)));
    }
    await Promise.all(batch);
  }
}

/** A converged agent: the time it took, and (when kept) its cluster, host and etcd prefix. */
export interface Converged {
  ms: number;
  cluster: Cluster;
  host: Host;
  prefix: string;
}

/**
 * Starts an agent on a fresh host with `n` leases waiting; returns the time from spawn to its
 * "Initial sync" line (all 3·n entries checked). The cluster is destroyed unless `keep`.
 */
export async function agentConvergence(
  client: Etcd3,
  endpoint: string,
  n: number,
  env: Record<string, string>,
  keep = false,
): Promise<Converged> {
  const prefix = `/bench${Math.floor(Math.random() * 1e9)}/network`;
  await client.put(`${prefix}/config`).value(`{"Network":"10.0.0.0/8","Backend":{"Type":"vxlan"}}`);
  await putLeases(client, prefix, 0, n);
  const c = await Cluster.create({ hosts: 1, ipv6: false, prefix: "ba" });
  try {
    const h = c.hosts[0]!;
    const t0 = nowMs();
    h.agent = AgentProcess.start(
      h.ns.name,
      ["--iface", "eth0", "--subnet-file", h.subnetFile, ...agentFlags(endpoint, prefix)],
      { env, tag: "bench" },
    );
    await h.agent.waitFor(/Initial sync/, 120_000);
    const dt = nowMs() - t0;
    const got = await entryCount(h);
    if (got !== 3 * n) {
      throw new Error(`agent installed ${got} entries, not ${3 * n}\n${h.agent.log()}`);
    }
    if (!keep) await c.destroy();
    return { ms: dt, cluster: c, host: h, prefix };
  } catch (err) {
    await c.destroy(); // namespaces and the agent go, also on failure
    throw err;
  }
}
