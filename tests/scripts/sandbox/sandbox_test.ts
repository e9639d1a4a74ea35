/**
 * The sandbox module on its own, small: 2 hosts × 1 pod, host-gw, local store. Ready agents,
 * pods with addresses from their host's subnet, pods reach each other, destroy leaves nothing.
 */
import { HEALTHZ_PORT, Sandbox, sandboxChoice } from "../../../scripts/sandbox/sandbox.ts";
import { ping } from "../../../scripts/sandbox/measure.ts";
import { AGENT_V8_FLAGS } from "../../../mod/agent/v8_flags.ts";
import { assert, assertEquals, assertStringIncludes } from "../../harness/assert.ts";
import { exec, isRoot, NOT_ROOT } from "../../../scripts/lab/netns.ts";

if (!isRoot) console.warn(`sandbox_test ignored: ${NOT_ROOT}`);

Deno.test({
  name: "Sandbox: agents ready, CNI pods in their subnets reach each other, destroy removes all",
  ignore: !isRoot,
  fn: async () => {
    const lines: string[] = [];
    const sb = await Sandbox.create({
      backend: "host-gw",
      store: "local",
      hosts: 2,
      podsPerHost: 1,
      onAgentLine: (h, l) => lines.push(`${h} ${l}`),
    });
    const names = [sb.cluster.switchNs.name, ...sb.cluster.hosts.map((h) => h.ns.name)];
    try {
      assertStringIncludes(sb.networkConfig, '"Type":"host-gw"');
      assert(sb.agentArgs(sb.cluster.hosts[0]!).includes(String(HEALTHZ_PORT)));
      await sb.startAgents();
      await sb.addPods();
      assertEquals(sb.pods.map((p) => p.name), ["h1-a", "h2-a"]);
      for (const p of sb.pods) {
        const subnet = await sb.subnetOf(p.host);
        assertEquals(p.ip, subnet.replace(/\.0\/24$/, ".2"));
      }
      assert((await ping(sb.pods[0]!.ns, sb.pods[1]!.ip)).ok);
      assert(lines.some((l) => l.startsWith("2 ") && l.includes("Running backend.")));
      // The demo's and dev's agents run as deployed: with the V8 flags of mod/agent/v8_flags.ts.
      for (const a of sb.agents.values()) {
        const environ = (await Deno.readTextFile(`/proc/${a.pid}/environ`)).split("\0");
        assert(environ.includes(`DENO_V8_FLAGS=${AGENT_V8_FLAGS}`), environ.join(" "));
      }
    } finally {
      await sb.destroy();
    }
    const list = (await exec("ip", ["netns", "list"])).stdout;
    assertEquals(names.filter((n) => list.includes(n)), []);
    assertEquals(await Deno.stat(sb.dir).then(() => true, () => false), false);
    for (const a of sb.agents.values()) assertEquals(a.code, 0);
  },
});

Deno.test("sandboxChoice() takes vxlan/host-gw and local/etcd, names what it refuses", () => {
  assertEquals(sandboxChoice("host-gw", "etcd"), { backend: "host-gw", store: "etcd" });
  assertEquals(sandboxChoice("udp", "local"), 'unknown backend "udp" (vxlan or host-gw)');
  assertEquals(sandboxChoice("vxlan", "kube"), 'unknown store "kube" (local or etcd)');
});
