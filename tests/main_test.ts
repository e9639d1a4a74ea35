/**
 * The agent face of main.ts seen from the command line: `deno run -A main.ts …` as a child
 * process, with a clean environment so the caller's FLANNELD_* variables cannot leak in.
 */
import { assert, assertEquals, assertStringIncludes } from "./harness/assert.ts";
import { VERSION } from "../mod/version.ts";
import { runCommand } from "../mod/process/run.ts";
import { AGENT_DENO_FLAGS, AgentProcess } from "../scripts/lab/agent_process.ts";
import { isRoot, withNetns } from "../scripts/lab/netns.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

function keptEnv(): Record<string, string> {
  const keep: Record<string, string> = {};
  for (const k of ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME"]) {
    const v = Deno.env.get(k);
    if (v !== undefined) keep[k] = v;
  }
  return keep;
}

function runMain(args: string[], env: Record<string, string> = {}) {
  return runCommand([Deno.execPath(), "run", "-A", "--quiet", MAIN, ...args], {
    clearEnv: true,
    env: { ...keptEnv(), NO_COLOR: "1", ...env },
  });
}

Deno.test("main.ts --help lists every flag on stdout and exits 0", async () => {
  const r = await runMain(["--help"]);
  assertEquals(r.code, 0);
  assert(r.stdout.startsWith("Usage: flanneld [OPTION]...\n"), r.stdout.slice(0, 80));
  assertStringIncludes(r.stdout, "(default 60; env FLANNELD_SUBNET_LEASE_RENEW_MARGIN)");
  assertStringIncludes(r.stdout, "Extensions (not in upstream flanneld");
  assertEquals(r.stderr, "");
});

Deno.test("main.ts --version prints the version on stderr and exits 0", async () => {
  const r = await runMain(["--version"]);
  assertEquals([r.code, r.stdout, r.stderr], [0, "", `${VERSION}\n`]);
});

Deno.test("main.ts refuses an unknown flag with exit 2", async () => {
  const r = await runMain(["--ifce=eth0"]);
  assertEquals([r.code, r.stdout], [2, ""]);
  assertStringIncludes(r.stderr, 'flanneld: Unknown flag "-ifce"');
  assertStringIncludes(r.stderr, "--help");
});

Deno.test("main.ts refuses a bad FLANNELD_* value with exit 2", async () => {
  const r = await runMain([], { FLANNELD_HEALTHZ_PORT: "abc" });
  assertEquals(r.code, 2);
  assertStringIncludes(
    r.stderr,
    'Invalid value "abc" for FLANNELD_HEALTHZ_PORT (flag -healthz-port): not an integer',
  );
  const m = await runMain([], { FLANNELD_SUBNET_LEASE_RENEW_MARGIN: "1440" });
  assertEquals(m.code, 2);
  assertStringIncludes(
    m.stderr,
    "Invalid subnet-lease-renew-margin option, out of acceptable range",
  );
});

Deno.test({
  name: "main.ts with good flags starts the agent, logs the redacted config, exits 0 on SIGTERM",
  ignore: !isRoot,
  fn: () =>
    withNetns(1, async (ns) => {
      // In a throwaway namespace: the agent keeps retrying an unreachable etcd for its config.
      const agent = AgentProcess.start(
        ns.name,
        ["-v", "1", "--iface", "eth1", "--etcd-endpoints", "http://127.0.0.1:9"],
        {
          clearEnv: true,
          env: { ...keptEnv(), FLANNELD_ETCD_PASSWORD: "hunter2" },
          denoFlags: [...AGENT_DENO_FLAGS, "--quiet"],
        },
      );
      try {
        await agent.waitFor(/Couldn't fetch network config/, 20_000, 50);
        const code = await agent.stop("SIGTERM");
        const text = agent.lines().join("\n");
        assertEquals(code, 0, text);
        assertStringIncludes(text, "CLI flags config: {");
        assertStringIncludes(text, "etcdPassword:******** ");
        assertStringIncludes(text, "iface:[eth1]");
        assert(!text.includes("hunter2"));
      } finally {
        await agent.kill();
      }
    }),
});

Deno.test("main.ts status: --help on stdout (exit 0), a bad flag exit 2, no subnet.env exit 1", async () => {
  const help = await runMain(["status", "--help"]);
  assertEquals(help.code, 0, help.stderr);
  assertStringIncludes(help.stdout, "-subnet-file string");
  const bad = await runMain(["status", "--healthz-port=x"]);
  assertEquals([bad.code, bad.stdout], [2, ""]);
  assertStringIncludes(bad.stderr, "healthz-port");
  const missing = await runMain(["status", "--subnet-file=/nonexistent/subnet.env", "--json"]);
  assertEquals(missing.code, 1, missing.stderr);
  const report = JSON.parse(missing.stdout);
  assertEquals(report.healthy, false);
  assert(
    report.problems.some((p: string) => p.includes("/nonexistent/subnet.env")),
    missing.stdout,
  );
});
