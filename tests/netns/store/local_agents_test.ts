/**
 * The local store end to end, as the demo runs it: real agents in separate network namespaces
 * share one lease directory (`--store=local`), get distinct subnets, see each other's leases
 * (pods ping across vxlan), and an agent restarted keeps its subnet; a FIFO and a directory
 * placed under `subnets/` freeze or stop none of them.
 */
import { assert, assertEquals, assertNotEquals } from "../../harness/assert.ts";
import { type Host, withCluster } from "../../../scripts/lab/cluster.ts";
import { isRoot, NOT_ROOT } from "../../../scripts/lab/netns.ts";
import { assertPodsPing } from "../agent/setup.ts";
import { HEALTHZ, localStoreFlags, probe } from "../daemon/helpers.ts";
import { makeFifo } from "../../harness/fifo.ts";

if (!isRoot) console.warn(`local store agent tests ignored: ${NOT_ROOT}`);

/** Runs `fn` with a fresh local-store directory holding a vxlan config; always removes it. */
async function withLeaseDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "leases-" });
  try {
    await Deno.writeTextFile(
      `${dir}/net-conf.json`,
      '{"Network":"10.244.0.0/16","Backend":{"Type":"vxlan"}}',
    );
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** SIGTERM; the exit code, or "hung" (then SIGKILL) when the agent has not exited in `ms`. */
async function stopWithin(h: Host, ms: number): Promise<number | null | "hung"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<"hung">((r) => (timer = setTimeout(r, ms, "hung")));
  try {
    const code = await Promise.race([h.stopAgent(), hung]);
    if (code === "hung") await h.agent!.kill();
    return code;
  } finally {
    clearTimeout(timer);
  }
}

Deno.test({
  name: "local store: 3 agents in namespaces share one directory, get distinct subnets, pods ping",
  ignore: !isRoot,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withLeaseDir(async (dir) => {
      const flags = localStoreFlags(dir);
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
    }),
});

Deno.test({
  name:
    "local store: a FIFO and a directory under subnets/ freeze no agent; a new one gets a lease",
  ignore: !isRoot,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withLeaseDir(async (dir) => {
      const flags = [...localStoreFlags(dir), "--healthz-port", String(HEALTHZ)];
      await withCluster({ hosts: 3 }, async (c) => {
        const [h1, h2, h3] = c.hosts as [Host, Host, Host];
        for (const h of [h1, h2]) h.startAgent(flags);
        for (const h of [h1, h2]) await h.waitSubnetEnv();
        // Valid key names, so every reader looks at them (hand edits: at the next rescan, ≤ 10 s).
        await makeFifo(`${dir}/leases/subnets/10.244.250.0-24`);
        await Deno.mkdir(`${dir}/leases/subnets/10.244.251.0-24`);
        const skipped = /Ignoring bad subnet node "10\.244\.250\.0-24": it is a FIFO/;
        for (const h of [h1, h2]) await h.agent!.waitFor(skipped, 15_000);
        for (const h of [h1, h2]) assertEquals(await probe(h, "/healthz"), 200, h.agent!.log());
        h3.startAgent(flags);
        const vars = await h3.waitSubnetEnv();
        assert(vars.get("FLANNEL_SUBNET")?.startsWith("10.244."), h3.agent!.log());
        await h3.agent!.waitFor(/Ignoring bad subnet node "10\.244\.251\.0-24": it is a directory/);
        assertEquals(await probe(h3, "/readyz"), 200, h3.agent!.log());
        for (const h of [h1, h2, h3]) {
          assertEquals(h.agent!.lines().filter((l) => skipped.test(l)).length, 1, "logged once");
          assertEquals(await stopWithin(h, 3000), 0, h.agent!.log());
        }
        assert(Deno.lstatSync(`${dir}/leases/subnets/10.244.250.0-24`).isFifo, "left in place");
      });
    }),
});
