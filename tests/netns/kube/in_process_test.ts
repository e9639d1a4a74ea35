/**
 * `--kube-subnet-mgr` end to end on 3 namespace hosts (agents in-process, real kernel, the
 * Kubernetes API test server): pods ping over vxlan and host-gw; the node annotations equal
 * upstream's byte for byte; a deleted node's entries vanish elsewhere; an API server restart
 * loses no event; a late pod CIDR is waited for; `public-ip-overwrite` is what peers use.
 */
import { assert, assertEquals } from "../../harness/assert.ts";
import { type Cluster, eventually, pingOnce, withCluster } from "../../../scripts/lab/cluster.ts";
import { KubeApiServer } from "../../../scripts/lab/kube_api.ts";
import { isRoot, NOT_ROOT } from "../../../scripts/lab/netns.ts";
import {
  expectedHostGw,
  expectedVxlan,
  hostGwState,
  type Peer,
  peerOf,
  vxlanState,
} from "../agent/state.ts";
import { addHostNodes, annotationsOf, type KubeAgent, P, startKubeAgent } from "./setup.ts";

if (!isRoot) console.warn(`kube netns tests ignored: ${NOT_ROOT}`);

const VXLAN = '{"Network":"10.244.0.0/16","Backend":{"Type":"vxlan"}}';
const HOST_GW = '{"Network":"10.244.0.0/16","Backend":{"Type":"host-gw"}}';

async function withKubeCluster(
  fn: (c: Cluster, api: KubeApiServer, agents: KubeAgent[]) => Promise<void>,
) {
  await withCluster({ hosts: 3, ipv6: false, prefix: "fk" }, async (c) => {
    const api = await KubeApiServer.start({ bookmarkMs: 1000 });
    const agents: KubeAgent[] = [];
    try {
      await fn(c, api, agents);
    } finally {
      for (const a of agents) await a.stop();
      await api.close();
    }
  });
}

async function converge(
  peers: Peer[],
  want: (p: Peer) => string[],
  read: (p: Peer) => Promise<string[]>,
) {
  for (const p of peers) {
    await eventually(async () => JSON.stringify(await read(p)) === JSON.stringify(want(p)), 15_000);
    assertEquals(await read(p), want(p), `host ${p.host.index}`);
  }
}

async function allPing(c: Cluster) {
  for (const from of c.hosts) {
    for (const to of c.hosts) {
      if (from === to) continue;
      assert(
        await eventually(() => pingOnce(from.pod, to.podIP!, 1)),
        `pod ${from.index} → ${to.podIP}`,
      );
    }
  }
}

const opts = { ignore: !isRoot, sanitizeOps: false, sanitizeResources: false };

Deno.test({
  ...opts,
  name: "kube vxlan on 3 hosts: pods ping, upstream's annotations, node delete, API restart",
  fn: () =>
    withKubeCluster(async (c, api, agents) => {
      addHostNodes(c, api);
      for (const h of c.hosts) agents.push(await startKubeAgent(h, api, VXLAN));
      const peers: Peer[] = [];
      for (const h of c.hosts) {
        await h.wirePod(await h.waitSubnetEnv());
        peers.push(await peerOf(h));
      }
      await converge(peers, (p) => expectedVxlan(p, peers), (p) => vxlanState(p.host, 1, false));
      await allPing(c);
      for (const p of peers) {
        const name = `h${p.host.index}`;
        await eventually(() =>
          Promise.resolve(
            (api.node(name)!.status as { conditions: unknown[] }).conditions.length === 2,
          )
        );
        assertEquals(annotationsOf(api, name), {
          [P + "backend-data"]: `{"VNI":1,"VtepMAC":"${p.mac4}"}`,
          [P + "backend-type"]: "vxlan",
          [P + "kube-subnet-manager"]: "true",
          [P + "public-ip"]: p.host.ip4,
        });
        const cond = (api.node(name)!.status as { conditions: { type: string; status: string }[] })
          .conditions.find((x) => x.type === "NetworkUnavailable");
        assertEquals(cond?.status, "False");
      }
      // A node deleted from the cluster: its entries vanish on the others.
      const [p1, p2, p3] = peers as [Peer, Peer, Peer];
      api.deleteNode("h3");
      await converge([p1, p2], (p) =>
        expectedVxlan(p, [p1, p2]), (p) =>
        vxlanState(p.host, 1, false));
      // An API server restart with changes while it is down: nothing is lost.
      const ghost: Peer = {
        host: { ...p3.host, ip4: "198.18.0.99" } as typeof p3.host,
        subnet: "10.244.9.0/24",
        subnet6: null,
        mac4: "0a:00:00:00:00:99",
        mac6: null,
      };
      await api.restart({
        downMs: 1500,
        during: () => {
          api.addNode("h9", {
            podCIDR: "10.244.9.0/24",
            annotations: {
              [P + "kube-subnet-manager"]: "true",
              [P + "backend-type"]: "vxlan",
              [P + "backend-data"]: `{"VNI":1,"VtepMAC":"${ghost.mac4}"}`,
              [P + "public-ip"]: "198.18.0.99",
            },
          });
          api.deleteNode("h2");
        },
      });
      await converge([p1], (p) =>
        expectedVxlan(p, [p1, ghost]), (p) => vxlanState(p.host, 1, false));
      assert(agents[0]!.logs.some((l) =>
        l.includes("Node watch failed: Cannot reach the Kubernetes API")
      ));
    }),
});

Deno.test({
  ...opts,
  name: "kube host-gw on 3 hosts: pods ping; public-ip-overwrite is the gateway peers use",
  fn: () =>
    withKubeCluster(async (c, api, agents) => {
      addHostNodes(c, api);
      const h1 = c.hosts[0]!;
      await h1.ns.ip("addr", "add", "198.18.0.111/24", "dev", "eth0");
      api.setAnnotations("h1", { [P + "public-ip-overwrite"]: "198.18.0.111" });
      for (const h of c.hosts) agents.push(await startKubeAgent(h, api, HOST_GW));
      const peers: Peer[] = [];
      for (const h of c.hosts) {
        await h.wirePod(await h.waitSubnetEnv());
        peers.push(await peerOf(h));
      }
      const seen = (p: Peer): Peer =>
        p.host === h1 ? { ...p, host: { ...p.host, ip4: "198.18.0.111" } as typeof p.host } : p;
      await converge(peers, (p) =>
        expectedHostGw(p, peers.map((q) => q === p ? q : seen(q))), (p) =>
        hostGwState(p.host));
      await allPing(c);
      assertEquals(annotationsOf(api, "h1")[P + "public-ip"], "198.18.0.111");
      assertEquals(annotationsOf(api, "h1")[P + "backend-data"], "null");
      assert(agents[0]!.logs.some((l) =>
        l.includes("Overriding public ip with '198.18.0.111'")
      ));
    }),
});

Deno.test({
  ...opts,
  name: "kube: a host whose node has no pod CIDR yet waits, then joins when it is assigned",
  fn: () =>
    withKubeCluster(async (c, api, agents) => {
      addHostNodes(c, api, [3]);
      for (const h of c.hosts) agents.push(await startKubeAgent(h, api, VXLAN));
      const [h1, h2, h3] = c.hosts as [typeof c.hosts[0], typeof c.hosts[0], typeof c.hosts[0]];
      await h1.wirePod(await h1.waitSubnetEnv());
      await h2.wirePod(await h2.waitSubnetEnv());
      assert(
        await eventually(() =>
          Promise.resolve(
            agents[2]!.logs.filter((l) => l.includes('Waiting for node "h3" to get a pod CIDR'))
              .length >= 2,
          )
        ),
      );
      api.setPodCIDR("h3", "10.244.3.0/24");
      await h3.wirePod(await h3.waitSubnetEnv());
      const peers = [await peerOf(h1), await peerOf(h2), await peerOf(h3)];
      await converge(peers, (p) => expectedVxlan(p, peers), (p) => vxlanState(p.host, 1, false));
      await allPing(c);
    }),
});
