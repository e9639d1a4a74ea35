import { AGENT_V8_FLAGS } from "../../../mod/agent/v8_flags.ts";
import { agentEnv, AgentProcess } from "../../../scripts/lab/agent_process.ts";
import { assert, assertEquals } from "../../harness/assert.ts";
import { isRoot, NOT_ROOT, withNetns } from "../../../scripts/lab/netns.ts";

if (!isRoot) console.warn(`agent_process_test ignored: ${NOT_ROOT}`);

/** The environment of a running process, from /proc. */
async function environOf(pid: number): Promise<Map<string, string>> {
  const raw = await Deno.readTextFile(`/proc/${pid}/environ`);
  return new Map(
    raw.split("\0").filter((e) => e !== "").map((e) => {
      const i = e.indexOf("=");
      return [e.slice(0, i), e.slice(i + 1)] as [string, string];
    }),
  );
}

/** Flags of an agent that keeps retrying, one line per second: no config file yet. */
function retryingAgentFlags(dir: string): string[] {
  return [
    "--store",
    "local",
    "--local-store-dir",
    `${dir}/l`,
    "--local-network-config",
    `${dir}/missing.json`,
    "--subnet-file",
    `${dir}/subnet.env`,
  ];
}

Deno.test("agentEnv() sets NO_COLOR and the deployed V8 flags; an empty DENO_V8_FLAGS leaves them out", () => {
  assertEquals(agentEnv(), { NO_COLOR: "1", DENO_V8_FLAGS: AGENT_V8_FLAGS });
  assertEquals(agentEnv({ A: "1", DENO_V8_FLAGS: "--x" }), {
    NO_COLOR: "1",
    A: "1",
    DENO_V8_FLAGS: "--x",
  });
  assertEquals(agentEnv({ DENO_V8_FLAGS: "" }), { NO_COLOR: "1" });
});

Deno.test({
  name: "AgentProcess streams lines as they come and stops cleanly with SIGTERM",
  ignore: !isRoot,
  fn: () =>
    withNetns(1, async (ns) => {
      const dir = await Deno.makeTempDir({ prefix: "lab-agent-" });
      const seen: string[] = [];
      const a = AgentProcess.start(ns.name, retryingAgentFlags(dir), {
        onLine: (l) => seen.push(l),
        keepLines: 400,
      });
      try {
        for (let i = 0; i < 100 && !seen.some((l) => l.includes("Couldn't fetch")); i++) {
          await new Promise((r) => setTimeout(r, 50));
        }
        assert(seen.some((l) => l.includes("Couldn't fetch network config")), seen.join("\n"));
        assert(a.pid > 0);
        assertEquals(a.code, null);
        // Started as deployed: the V8 flags of scripts/compile.ts and scripts/deploy.
        assertEquals((await environOf(a.pid)).get("DENO_V8_FLAGS"), AGENT_V8_FLAGS);
        assertEquals(await a.stop(), 0);
        assertEquals(a.code, 0);
        assert(a.lines().some((l) => l.includes("shutdownHandler sent cancel signal")));
        assertEquals(await a.stop(), 0, "stopping twice is fine");
      } finally {
        await a.stop("SIGTERM", 100);
        await Deno.remove(dir, { recursive: true });
      }
    }, "sag"),
});

Deno.test({
  name: "AgentProcess: clearEnv leaves only the given variables; SIGKILL after killAfterMs",
  ignore: !isRoot,
  fn: () =>
    withNetns(1, async (ns) => {
      const PATH = Deno.env.get("PATH") ?? "/usr/bin:/bin";
      // SIGTERM ignored (kept across exec), so only the SIGKILL after 200 ms ends `sleep`.
      const a = AgentProcess.spawn(ns.name, ["sh", "-c", 'trap "" TERM; echo up; exec sleep 30'], {
        env: { PATH, DENO_V8_FLAGS: "" },
        clearEnv: true,
        tag: "sh",
      });
      try {
        await a.waitFor(/^up$/);
        const env = await environOf(a.pid);
        assertEquals([env.get("NO_COLOR"), env.get("PATH"), env.has("DENO_V8_FLAGS")], [
          "1",
          PATH,
          false,
        ]);
        // Nothing else of ours leaked in (sh sets PWD itself).
        const given = ["PATH", "NO_COLOR", "PWD"];
        const ours = Object.keys(Deno.env.toObject()).filter((k) => !given.includes(k));
        assert(ours.length > 0, "the test process has variables of its own");
        assertEquals(ours.filter((k) => env.has(k)), []);
        const t0 = performance.now();
        assertEquals(await a.stop("SIGTERM", 200), 137);
        assert(performance.now() - t0 < 20_000, "killed long before sleep 30 ends");
        assertEquals(a.log(), "[sh] up");
      } finally {
        await a.kill();
      }
    }, "sag"),
});
