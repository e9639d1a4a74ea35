import { SandboxAgent } from "../../../scripts/sandbox/agent.ts";
import { assert, assertEquals } from "../../harness/assert.ts";
import { isRoot, NOT_ROOT, withNetns } from "../../../scripts/lab/netns.ts";

if (!isRoot) console.warn(`sandbox agent_test ignored: ${NOT_ROOT}`);

Deno.test({
  name: "SandboxAgent streams lines as they come and stops cleanly with SIGTERM",
  ignore: !isRoot,
  fn: () =>
    withNetns(1, async (ns) => {
      const dir = await Deno.makeTempDir({ prefix: "sandbox-agent-" });
      const seen: string[] = [];
      // No config file yet: the agent keeps retrying, logging one line per second.
      const a = SandboxAgent.start(ns.name, [
        "--store",
        "local",
        "--local-store-dir",
        `${dir}/l`,
        "--local-network-config",
        `${dir}/missing.json`,
        "--subnet-file",
        `${dir}/subnet.env`,
      ], (l) => seen.push(l));
      try {
        for (let i = 0; i < 100 && !seen.some((l) => l.includes("Couldn't fetch")); i++) {
          await new Promise((r) => setTimeout(r, 50));
        }
        assert(seen.some((l) => l.includes("Couldn't fetch network config")), seen.join("\n"));
        assert(a.pid > 0);
        assertEquals(a.exitCode, null);
        assertEquals(await a.stop(), 0);
        assertEquals(a.exitCode, 0);
        assert(a.lines().some((l) => l.includes("shutdownHandler sent cancel signal")));
        assertEquals(await a.stop(), 0, "stopping twice is fine");
      } finally {
        await a.stop(100);
        await Deno.remove(dir, { recursive: true });
      }
    }, "sag"),
});
