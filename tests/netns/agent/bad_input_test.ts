/**
 * Bad input reaching a real agent: a malformed config in the store, a garbage lease value, an
 * unknown backend type.
 */
import { assert, assertMatch, assertNotEquals } from "../../harness/assert.ts";
import { isRoot, NOT_ROOT } from "../../../scripts/lab/netns.ts";
import { assertPodsPing, CONFIGS, joinAll, withAgentCluster } from "./setup.ts";

if (!isRoot) console.warn(`agent bad-input tests ignored: ${NOT_ROOT}`);
const opts = { ignore: !isRoot, sanitizeOps: false, sanitizeResources: false };

Deno.test({
  ...opts,
  name: "agent: a malformed config is logged and retried until fixed",
  fn: () =>
    withAgentCluster(1, null, async (a) => {
      await a.etcd.etcdctl("put", `${a.prefix}/config`, `{"Network":"10.244.0.0/16",`);
      const h = a.cluster.hosts[0]!;
      const agent = h.startAgent(a.flags);
      await agent.waitFor(/Couldn't fetch network config: .*JSON/);
      await new Promise((r) => setTimeout(r, 1200));
      const retries = agent.lines().filter((l) =>
        l.includes("Couldn't fetch network config")
      ).length;
      assert(retries >= 2, `retried (${retries} lines)`);
      assert(agent.running, "still running");
      await a.etcd.etcdctl("put", `${a.prefix}/config`, CONFIGS.vxlan);
      const vars = await h.waitSubnetEnv();
      assertMatch(vars.get("FLANNEL_SUBNET") ?? "", /^10\.244\.\d+\.1\/24$/);
    }),
});

Deno.test({
  ...opts,
  name: "agent: a garbage lease value is skipped, the others still work",
  fn: () =>
    withAgentCluster(2, CONFIGS.vxlan, async (a) => {
      await a.etcd.etcdctl("put", `${a.prefix}/subnets/10.244.200.0-24`, "not json at all");
      await a.etcd.etcdctl(
        "put",
        `${a.prefix}/subnets/10.244.201.0-24`,
        `{"PublicIP":"198.18.0.99","BackendType":"vxlan","BackendData":{"VtepMAC":"zz"}}`,
      );
      await joinAll(a);
      await assertPodsPing(a.cluster.hosts);
      for (const h of a.cluster.hosts) {
        const routes = await h.ns.ip("route", "show", "10.244.200.0/24");
        assert(routes.trim() === "", "no route for the garbage lease");
        assert(h.agent!.running);
        await h.agent!.waitFor(
          /Ignoring lease "10\.244\.201\.0\/24": BackendData: VtepMAC "zz" is not a MAC address/,
        );
      }
    }),
});

Deno.test({
  ...opts,
  name: "agent: an unknown backend type exits non-zero with upstream's message",
  fn: () =>
    withAgentCluster(1, `{"Network":"10.244.0.0/16","Backend":{"Type":"gre"}}`, async (a) => {
      const agent = a.cluster.hosts[0]!.startAgent(a.flags);
      assertNotEquals(await agent.wait(), 0);
      assertMatch(agent.lines().join("\n"), /unknown backend type: gre/);
    }),
});
