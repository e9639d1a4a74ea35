/**
 * `deno task demo` end to end, as a newcomer runs it: it must succeed, show what it promises,
 * and leave no namespace, process or temporary file behind — also when interrupted.
 */
import { parseDemoArgs } from "../../scripts/demo.ts";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../harness/assert.ts";
import { exec, isRoot, NOT_ROOT } from "../../scripts/lab/netns.ts";
import { shimPath } from "../harness/path_shim.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
if (!isRoot) console.warn(`demo_test: the live runs are ignored, ${NOT_ROOT}`);

Deno.test("parseDemoArgs() defaults, choices, help and errors", () => {
  assertEquals(parseDemoArgs([]), { backend: "vxlan", store: "local", keep: false });
  assertEquals(parseDemoArgs(["--backend", "host-gw", "--store=etcd", "--keep"]), {
    backend: "host-gw",
    store: "etcd",
    keep: true,
  });
  const help = parseDemoArgs(["-h"]);
  assert("exit" in help && help.exit === 0 && help.text.startsWith("Usage: deno task demo"));
  const bad = parseDemoArgs(["--backend", "udp"]);
  assert("exit" in bad && bad.exit === 2);
  assertStringIncludes((bad as { text: string }).text, `unknown backend "udp"`);
  const unknown = parseDemoArgs(["--nope"]);
  assert("exit" in unknown && unknown.exit === 2);
});

/** Namespace names the demo printed (`fds…`, `fdh…`, `fdp…`). */
function namespacesIn(out: string): string[] {
  return [...new Set(out.match(/\bfd[shp][0-9a-z]+\b/g) ?? [])];
}

async function leftovers(names: string[]): Promise<string[]> {
  const found: string[] = [];
  const ns = (await exec("ip", ["netns", "list"])).stdout;
  for (const n of names) if (new RegExp(`^${n}\\b`, "m").test(ns)) found.push(`netns ${n}`);
  const ps = (await exec("ps", ["-eo", "pid,args"])).stdout.split("\n");
  for (const n of names) {
    for (const p of ps) {
      if (p.includes(n) && !p.includes("ps -eo")) found.push(`process ${p.trim()}`);
    }
  }
  for (const e of Deno.readDirSync("/tmp")) {
    if (names.some((n) => e.name.includes(n))) found.push(`file /tmp/${e.name}`);
  }
  return found;
}

function sandboxDirs(): Set<string> {
  return new Set(
    [...Deno.readDirSync("/tmp")].map((e) => e.name).filter((n) =>
      n.startsWith("flannel-sandbox-")
    ),
  );
}

function spawnDemo(args: string[], env: Record<string, string> = {}): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "scripts/demo.ts", ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

Deno.test({
  name: "deno task demo: 6×6 ping matrix all ✓, iperf3 figure, cleaned up, nothing left behind",
  ignore: !isRoot,
  fn: async () => {
    const dirsBefore = sandboxDirs();
    const t0 = performance.now();
    const out = await spawnDemo([]).output();
    const secs = (performance.now() - t0) / 1000;
    const text = new TextDecoder().decode(out.stdout);
    const err = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 0, text + err);
    assertStringIncludes(text, "flannel demo: 3 hosts in network namespaces");
    assertMatch(text, /✓ 3 agents leased subnets/);
    assertMatch(text, /✓ 6 pods wired by flannel's CNI plugin/);
    assertMatch(text, /h1-a +— +✓ [\d.]+/);
    assertEquals((text.match(/✓ \d+\.\d+/g) ?? []).length, 30, "30 answered cells");
    assertStringIncludes(text, "30/30 pairs answered");
    assertMatch(text, /Throughput h1-a → h3-a \(iperf3 TCP, 2 s, .*\): [\d.]+ [GM]bit\/s/);
    assertMatch(text, /✓ cleaned up/);
    assert(secs < 60, `took ${secs.toFixed(1)} s`);
    const names = namespacesIn(text);
    assertEquals(names.length, 10, `switch + 3 hosts + 6 pods: ${names}`);
    assertEquals(await leftovers(names), []);
    assertEquals(sandboxDirs(), dirsBefore, "no sandbox directory left");
  },
});

Deno.test({
  name: "deno task demo: Ctrl-C while running still cleans up everything (exit 130)",
  ignore: !isRoot,
  fn: async () => {
    const dirsBefore = sandboxDirs();
    const child = spawnDemo(["--keep"]);
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("Press Ctrl-C")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    assertStringIncludes(text, "Press Ctrl-C", text);
    child.kill("SIGINT");
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    const status = await child.status;
    const err = await new Response(child.stderr).text();
    assertEquals(status.code, 130, text + err);
    assertStringIncludes(err, "interrupted, cleaning up");
    assertMatch(text, /✓ cleaned up/);
    assertEquals(await leftovers(namespacesIn(text)), []);
    assertEquals(sandboxDirs(), dirsBefore);
  },
});

Deno.test({
  name: "deno task demo as an ordinary user: a clear message, exit 1, nothing built",
  ignore: !isRoot, // becoming another user needs root; as non-root the demo itself is that case
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "demo-nobody-" });
    try {
      // A copy of deno the unprivileged user may run (the original may sit under /root).
      await Deno.copyFile(Deno.execPath(), `${dir}/deno`);
      await Deno.chmod(dir, 0o755);
      await Deno.chmod(`${dir}/deno`, 0o755);
      const r = await exec("setpriv", [
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "env",
        `HOME=${dir}`,
        `DENO_DIR=${dir}/cache`,
        "NO_COLOR=1",
        `${dir}/deno`,
        "run",
        "--no-config",
        "-A",
        `${ROOT}scripts/demo.ts`,
      ]);
      assertEquals(r.code, 1, r.stderr);
      assertStringIncludes(r.stderr, "demo: needs root");
      assertStringIncludes(r.stderr, "sudo npx -y deno@2.9.6 task demo");
      assertEquals(r.stdout, "");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "deno task demo without iptables, apt-get failing: one line naming it, exit 1, nothing built",
  ignore: !isRoot,
  fn: async () => {
    const dirsBefore = sandboxDirs();
    // An offline machine: iptables not installed, apt-get cannot fetch it (a shim; nothing is
    // installed or changed here).
    const p = await shimPath({
      hide: /^iptables/,
      shims: { "apt-get": "echo 'E: Unable to locate package iptables' >&2; exit 100" },
    });
    try {
      const out = await spawnDemo([], { PATH: p.path }).output();
      const text = new TextDecoder().decode(out.stdout);
      const err = new TextDecoder().decode(out.stderr).trim().split("\n");
      assertEquals(out.code, 1, err.join("\n"));
      assertEquals(text, "", "nothing built, nothing printed on stdout");
      assertMatch(err[0]!, /^demo: installing the Debian packages it needs: .*\biptables\b/);
      assertEquals(err.length, 2, err.join("\n"));
      assertMatch(err[1]!, /^demo: apt-get could not install:.* iptables\b.*run again\)$/);
      assertEquals(sandboxDirs(), dirsBefore, "no sandbox directory made");
    } finally {
      await p.remove();
    }
  },
});
