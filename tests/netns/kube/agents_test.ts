/**
 * Real agents (`main.ts --kube-subnet-mgr`, one process per host namespace) against the
 * Kubernetes API test server running inside the switch namespace (https://198.18.0.254:6443):
 * pods ping over vxlan and host-gw; upstream's annotations byte for byte; a deleted node's
 * entries vanish elsewhere; an API server restart with changes while it is down loses
 * nothing; a late pod CIDR is waited for; an RBAC refusal is reported clearly.
 */
import { assert, assertEquals } from "../../harness/assert.ts";
import { type Cluster, eventually, withCluster } from "../../../scripts/lab/cluster.ts";
import { KubeSwitchApi } from "../../../scripts/lab/kube_switch.ts";
import { isRoot, NOT_ROOT } from "../../../scripts/lab/netns.ts";
import { assertExactState, assertPodsPing } from "../agent/setup.ts";
import { expectedVxlan, type Peer, peerOf, vxlanState } from "../agent/state.ts";

if (!isRoot) console.warn(`kube agent tests ignored: ${NOT_ROOT}`);

const P = "flannel.alpha.coreos.com/";
const VXLAN = '{"Network":"10.244.0.0/16","Backend":{"Type":"vxlan"}}';
const HOST_GW = '{"Network":"10.244.0.0/16","Backend":{"Type":"host-gw"}}';

type Fn = (c: Cluster, api: KubeSwitchApi, start: (i: number) => void) => Promise<void>;

/** A cluster, the API server in its switch, nodes `h<i>` (pod CIDR unless in `late`). */
function withKubeAgents(netConf: string, fn: Fn, late: number[] = []) {
  return withCluster({ hosts: 3, ipv6: false, prefix: "fka" }, async (c) => {
    const api = await KubeSwitchApi.start(c);
    try {
      const conf = `${api.dir}/net-conf.json`;
      await Deno.writeTextFile(conf, netConf);
      for (const h of c.hosts) {
        await api.admin.op("node", {
          name: `h${h.index}`,
          ...(late.includes(h.index) ? {} : { podCIDR: `10.244.${h.index}.0/24` }),
        });
      }
      const flags = [
        "--kube-subnet-mgr",
        "--kubeconfig-file",
        api.kubeconfig,
        "--net-config-path",
        conf,
      ];
      const start = (i: number) => {
        const h = c.hosts[i - 1]!;
        h.startAgent([...flags, "--reconcile-interval", "2"], { NODE_NAME: `h${i}` });
      };
      await fn(c, api, start);
    } catch (err) {
      console.error(`--- API server ---\n${api.log()}`);
      throw err;
    } finally {
      await api.stop();
    }
  });
}

async function peers(c: Cluster): Promise<Peer[]> {
  const out: Peer[] = [];
  for (const h of c.hosts) {
    await h.wirePod(await h.waitSubnetEnv(30_000));
    out.push(await peerOf(h));
  }
  return out;
}

type Node = {
  metadata: { annotations: Record<string, string> };
  status: { conditions: { type: string; status: string }[] };
};

const opts = { ignore: !isRoot, sanitizeOps: false, sanitizeResources: false };

Deno.test({
  ...opts,
  name: "kube agents, vxlan: pods ping, annotations, node delete, API server restart",
  fn: () =>
    withKubeAgents(VXLAN, async (c, api, start) => {
      for (const i of [1, 2, 3]) start(i);
      const ps = await peers(c);
      await assertExactState(ps, "vxlan", 15_000);
      await assertPodsPing(c.hosts);
      for (const p of ps) {
        const name = `h${p.host.index}`;
        let node: Node | null = null;
        await eventually(async () => {
          node = await api.admin.op<Node>("get-node", { name });
          return node.status.conditions.some((x) => x.type === "NetworkUnavailable");
        });
        const a = node!.metadata.annotations;
        assertEquals(a, {
          [P + "backend-data"]: `{"VNI":1,"VtepMAC":"${p.mac4}"}`,
          [P + "backend-type"]: "vxlan",
          [P + "kube-subnet-manager"]: "true",
          [P + "public-ip"]: p.host.ip4,
        });
        assertEquals(
          node!.status.conditions.find((x) => x.type === "NetworkUnavailable")?.status,
          "False",
        );
      }
      const [p1, p2] = ps as [Peer, Peer, Peer];
      await api.admin.op("delete-node", { name: "h3" });
      await assertExactState([p1, p2], "vxlan");
      // Restart with changes while down: h2 leaves, a node h9 joins.
      const mac9 = "0a:00:00:00:00:99";
      await api.admin.op("restart", {
        downMs: 2000,
        during: [
          { op: "delete-node", name: "h2" },
          {
            op: "node",
            name: "h9",
            podCIDR: "10.244.9.0/24",
            annotations: {
              [P + "kube-subnet-manager"]: "true",
              [P + "backend-type"]: "vxlan",
              [P + "backend-data"]: `{"VNI":1,"VtepMAC":"${mac9}"}`,
              [P + "public-ip"]: "198.18.0.99",
            },
          },
        ],
      });
      const ghost = {
        host: { ip4: "198.18.0.99" },
        subnet: "10.244.9.0/24",
        subnet6: null,
        mac4: mac9,
        mac6: null,
      } as unknown as Peer;
      const want = expectedVxlan(p1, [p1, ghost]);
      await eventually(
        async () => JSON.stringify(await vxlanState(p1.host)) === JSON.stringify(want),
        40_000,
      );
      assertEquals(await vxlanState(p1.host), want);
      assert(
        c.hosts[0]!.agent!.log().includes("Node watch failed: Cannot reach the Kubernetes API"),
      );
    }),
});

Deno.test({
  ...opts,
  name: "kube agents, host-gw: pods ping, exact routes",
  fn: () =>
    withKubeAgents(HOST_GW, async (c, api, start) => {
      for (const i of [1, 2, 3]) start(i);
      const ps = await peers(c);
      await assertExactState(ps, "host-gw", 15_000);
      await assertPodsPing(c.hosts);
      const node = await api.admin.op<Node>("get-node", { name: "h1" });
      assertEquals(node.metadata.annotations[P + "backend-data"], "null");
      assertEquals(node.metadata.annotations[P + "backend-type"], "host-gw");
    }),
});

Deno.test({
  ...opts,
  name: "kube agents: a late pod CIDR is waited for; an RBAC refusal is reported and fatal",
  fn: () =>
    withKubeAgents(VXLAN, async (c, api, start) => {
      for (const i of [1, 2, 3]) start(i);
      const h3 = c.hosts[2]!;
      assert(
        await eventually(
          () =>
            Promise.resolve(h3.agent!.log().includes('Waiting for node "h3" to get a pod CIDR')),
          20_000,
        ),
      );
      await api.admin.op("pod-cidr", { name: "h3", cidrs: ["10.244.3.0/24"] });
      const ps = await peers(c);
      await assertExactState(ps, "vxlan", 15_000);
      await assertPodsPing(c.hosts);
      // An agent whose service account may not patch nodes/status says so and exits 1.
      await c.hosts[0]!.stopAgent();
      await api.admin.op("annotate", { name: "h1", set: { [P + "backend-data"]: null } });
      await api.admin.op("deny", { verb: "patch", resource: "nodes/status" });
      start(1);
      const h1 = c.hosts[0]!;
      assert(await eventually(() => Promise.resolve(!h1.agent!.running), 30_000), h1.agent!.log());
      assertEquals(h1.agent!.code, 1);
      assert(
        h1.agent!.log().includes(
          'Kubernetes API refused to patch "nodes/status" (403 Forbidden)',
        ) &&
          h1.agent!.log().includes("nodes/status: patch"),
        h1.agent!.log(),
      );
    }, [3]),
});
