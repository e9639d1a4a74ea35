/**
 * The agent face of main.ts seen from the command line: `deno run -A main.ts …` as a child
 * process, with a clean environment so the caller's FLANNELD_* variables cannot leak in.
 */
import { assert, assertEquals, assertStringIncludes } from "./harness/assert.ts";
import { VERSION } from "../mod/version.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

async function runMain(args: string[], env: Record<string, string> = {}) {
  const keep: Record<string, string> = {};
  for (const k of ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME"]) {
    const v = Deno.env.get(k);
    if (v !== undefined) keep[k] = v;
  }
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", MAIN, ...args],
    clearEnv: true,
    env: { ...keep, NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
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

Deno.test("main.ts with good flags logs the redacted config and says the agent is missing", async () => {
  const r = await runMain(["-v", "1", "--iface", "eth1"], { FLANNELD_ETCD_PASSWORD: "hunter2" });
  assertEquals(r.code, 1);
  assertStringIncludes(r.stderr, "CLI flags config: {");
  assertStringIncludes(r.stderr, "etcdPassword:******** ");
  assertStringIncludes(r.stderr, "iface:[eth1]");
  assertStringIncludes(r.stderr, "the agent is not implemented yet");
  assert(!r.stderr.includes("hunter2"));
});
