/**
 * The API test server inside a cluster's switch namespace: reachable over the underlay from
 * every host namespace (proven with kubectl run in a host), driven through its unix socket,
 * and restartable; the root namespace's network is untouched.
 */
import { assertEquals, assertStringIncludes } from "../../harness/assert.ts";
import { withCluster } from "../../../scripts/lab/cluster.ts";
import { KubeSwitchApi } from "../../../scripts/lab/kube_switch.ts";
import { isRoot } from "../../../scripts/lab/netns.ts";

Deno.test({
  name: "the API server in the switch namespace serves kubectl in a host namespace",
  ignore: !isRoot,
  fn: () =>
    withCluster({ hosts: 2, ipv6: false, prefix: "fks" }, async (c) => {
      const api = await KubeSwitchApi.start(c);
      try {
        assertEquals(api.url, "https://198.18.0.254:6443");
        await api.admin.op("node", { name: "h1", podCIDR: "10.244.1.0/24" });
        const kubectl = (...a: string[]) =>
          c.hosts[1]!.ns.exec("kubectl", [
            "--kubeconfig",
            api.kubeconfig,
            `--cache-dir=${api.dir}/cache`,
            ...a,
          ]);
        const r = await kubectl("get", "nodes", "-o", "name");
        assertEquals([r.code, r.stdout.trim()], [0, "node/h1"], r.stderr);
        await api.admin.op("restart", { downMs: 200 });
        await new Promise((res) => setTimeout(res, 600));
        await api.admin.op("node", { name: "h2", podCIDR: "10.244.2.0/24" });
        const after = await kubectl("get", "nodes", "-o", "name");
        assertStringIncludes(after.stdout, "node/h2");
      } finally {
        await api.stop();
      }
    }),
});
