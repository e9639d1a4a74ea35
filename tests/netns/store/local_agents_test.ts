/**
 * The local store end to end, as the demo runs it: real agents in separate network namespaces
 * share one lease directory (`--store=local`), get distinct subnets, see each other's leases
 * (pods ping across vxlan), and an agent restarted keeps its subnet.
 */
import { assert, assertEquals, assertNotEquals } from "../../harness/assert.ts";
import { withCluster } from "../../../scripts/lab/cluster.ts";
import { isRoot, NOT_ROOT } from "../../../scripts/lab/netns.ts";
import { assertPodsPing } from "../agent/setup.ts";

if (!isRoot) console.warn(`local store agent tests ignored: ${NOT_ROOT}`);

Deno.test({
  name: "local store: 3 agents in namespaces share one directory, get distinct subnets, pods ping",
  ignore: !isRoot,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "leases-" });
    try {
      await Deno.writeTextFile(
        `${dir}/net-conf.json`,
        '{"Network":"10.244.0.0/16","Backend":{"Type":"vxlan"}}',
      );
      const flags = [
        "--store",
        "local",
        "--local-store-dir",
        `${dir}/leases`,
        "--local-network-config",
        `${dir}/net-conf.json`,
        "--reconcile-interval",
        "2",
      ];
      await withCluster({ hosts: 3 }, async (c) => {
        for (const h of c.hosts) h.startAgent(flags);
        const subnets: string[] = [];
        for (const h of c.hosts) {
          const vars = await h.waitSubnetEnv();
          subnets.push(vars.get("FLANNEL_SUBNET")!);
          await h.wirePod(vars);
        }
        assertEquals(new Set(subnets).size, 3);
        const files = [...Deno.readDirSync(`${dir}/leases/subnets`)].map((e) => e.name).sort();
        assertEquals(files.length, 3);
        const value = await Deno.readTextFile(`${dir}/leases/subnets/${files[0]}`);
        assert(value.startsWith('{"PublicIP":"198.18.0.1'), value);
        await assertPodsPing(c.hosts, 15_000);

        // Restart host 2's agent: it finds its lease by public IP and keeps the subnet.
        const h2 = c.hosts[1]!;
        assertEquals(await h2.stopAgent(), 0);
        await Deno.remove(h2.subnetFile);
        h2.startAgent(flags);
        const again = await h2.waitSubnetEnv();
        assertEquals(again.get("FLANNEL_SUBNET"), subnets[1]);
        assert(
          h2.agent!.lines().some((l) => l.includes("for current IP (198.18.0.12), reusing")),
          h2.agent!.log(),
        );
        assertNotEquals(subnets[0], subnets[1]);
        await assertPodsPing(c.hosts, 15_000);
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
