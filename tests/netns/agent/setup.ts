/**
 * Shared set-up of the agent end-to-end tests: a cluster, one real etcd the agents reach over
 * a unix socket, the network config under a per-test prefix, and helpers that start agents
 * and check the data plane.
 */
import { assert, assertEquals } from "../../harness/assert.ts";
import {
  type Cluster,
  eventually,
  type Host,
  pingOnce,
  withCluster,
} from "../../../scripts/lab/cluster.ts";
import { EtcdServer } from "../../../scripts/lab/etcd.ts";
import { uniqueName } from "../../../scripts/lab/netns.ts";
import {
  expectedHostGw,
  expectedVxlan,
  hostGwState,
  type Peer,
  peerOf,
  type RouteProto,
  vxlanState,
} from "./state.ts";

export interface AgentCluster {
  cluster: Cluster;
  etcd: EtcdServer;
  prefix: string;
  /** Agent flags every host gets (store, endpoint, prefix, fast full passes). */
  flags: string[];
}

/** Network configs used by the tests. */
export const CONFIGS = {
  vxlan: `{"Network":"10.244.0.0/16","Backend":{"Type":"vxlan"}}`,
  vxlan6:
    `{"EnableIPv4":false,"EnableIPv6":true,"IPv6Network":"fd00:10::/48","Backend":{"Type":"vxlan"}}`,
  vxlanDual:
    `{"Network":"10.244.0.0/16","EnableIPv6":true,"IPv6Network":"fd00:10::/48","Backend":{"Type":"vxlan"}}`,
  hostgw: `{"Network":"10.244.0.0/16","Backend":{"Type":"host-gw"}}`,
  hostgwDual:
    `{"Network":"10.244.0.0/16","EnableIPv6":true,"IPv6Network":"fd00:10::/48","Backend":{"Type":"host-gw"}}`,
} as const;

/** Runs `fn` with `hosts` hosts, etcd and `config` stored (null: no config yet). */
export async function withAgentCluster<T>(
  hosts: number,
  config: string | null,
  fn: (a: AgentCluster) => Promise<T>,
): Promise<T> {
  const etcd = await EtcdServer.start({ unixSocket: true });
  try {
    return await withCluster({ hosts }, async (cluster) => {
      const prefix = `/${uniqueName("fl")}/network`;
      if (config !== null) await etcd.etcdctl("put", `${prefix}/config`, config);
      const flags = [
        "--store",
        "etcd",
        "--etcd-endpoints",
        etcd.unixEndpoint!,
        "--etcd-prefix",
        prefix,
        "--reconcile-interval",
        "2",
      ];
      return await fn({ cluster, etcd, prefix, flags });
    });
  } finally {
    await etcd.close();
  }
}

/** Starts every host's agent and wires its pod once subnet.env is written. */
export async function joinAll(a: AgentCluster, extra: string[] = []): Promise<Peer[]> {
  for (const h of a.cluster.hosts) h.startAgent([...a.flags, ...extra]);
  const peers: Peer[] = [];
  for (const h of a.cluster.hosts) {
    await h.wirePod(await h.waitSubnetEnv());
    peers.push(await peerOf(h));
  }
  return peers;
}

/** Every pod pings every other pod (each enabled family), within `timeoutMs`. */
export async function assertPodsPing(hosts: Host[], timeoutMs = 10_000): Promise<void> {
  for (const from of hosts) {
    for (const to of hosts) {
      if (from === to) continue;
      for (const ip of [to.podIP, to.podIP6]) {
        if (ip === null) continue;
        assert(
          await eventually(() => pingOnce(from.pod, ip, 1), timeoutMs),
          `pod of host ${from.index} cannot ping ${ip} (host ${to.index})`,
        );
      }
    }
  }
}

/**
 * Each host's kernel state equals exactly what its peers' leases call for; `protoOf` says per
 * host which routes count ({@linkcode RouteProto}: `"any"` where upstream flanneld wrote them).
 */
export async function assertExactState(
  peers: Peer[],
  kind: "vxlan" | "host-gw",
  timeoutMs = 10_000,
  protoOf: (p: Peer) => RouteProto = () => "242",
) {
  for (const self of peers) {
    const proto = protoOf(self);
    const want = kind === "vxlan"
      ? expectedVxlan(self, peers, 1, proto)
      : expectedHostGw(self, peers, proto);
    const read = () =>
      kind === "vxlan" ? vxlanState(self.host, 1, true, proto) : hostGwState(self.host, proto);
    await eventually(async () => JSON.stringify(await read()) === JSON.stringify(want), timeoutMs);
    assertEquals(await read(), want, `kernel state of host ${self.host.index}`);
  }
}
