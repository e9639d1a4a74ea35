/**
 * `deno task dev` end to end: the sandbox comes up with live, host-prefixed agent logs; a
 * source change restarts the agents (and pods still reach each other); Ctrl-C removes
 * everything. The watched paths point at a temp dir so the test never touches the sources.
 */
import { isSourceChange, parseDevArgs, WATCHED } from "../../scripts/dev.ts";
import { assert, assertEquals, assertMatch } from "../harness/assert.ts";
import { exec, isRoot, NOT_ROOT } from "../../scripts/lab/netns.ts";
import { shimPath } from "../harness/path_shim.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
if (!isRoot) console.warn(`dev_test: the live run is ignored, ${NOT_ROOT}`);

Deno.test("parseDevArgs() watches the sources by default; --watch replaces them", () => {
  const d = parseDevArgs([]);
  assert(!("exit" in d));
  assertEquals(d.watch, WATCHED.map((p) => ROOT + p));
  assertEquals((parseDevArgs(["--watch", "/a", "--watch", "/b"]) as { watch: string[] }).watch, [
    "/a",
    "/b",
  ]);
  assertEquals((parseDevArgs(["--store", "nope"]) as { exit: number }).exit, 2);
});

Deno.test("isSourceChange() counts TypeScript sources, not tests or hidden files", () => {
  assertEquals(
    ["/r/mod/a.ts", "/r/mod/a_test.ts", "/r/mod/.a.ts.swp", "/r/mod/x.json", "/r/.git/x.ts"].map(
      isSourceChange,
    ),
    [true, false, false, false, false],
  );
});

/** Reads the child's stdout until `needle` appears (or the stream ends). */
async function readUntil(
  r: ReadableStreamDefaultReader<string>,
  acc: { text: string },
  needle: string,
): Promise<void> {
  while (!acc.text.includes(needle)) {
    const { value, done } = await r.read();
    if (done) return;
    acc.text += value;
  }
}

Deno.test({
  name: "deno task dev: live logs per host, restart on change, Ctrl-C cleans up",
  ignore: !isRoot,
  fn: async () => {
    const watch = await Deno.makeTempDir({ prefix: "dev-watch-" });
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "scripts/dev.ts", "--watch", watch],
      cwd: ROOT,
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const acc = { text: "" };
    try {
      await readUntil(reader, acc, "Ctrl-C to stop");
      assertMatch(acc.text, /^\[h1\] I\d{4} .*Running backend\.$/m);
      assertMatch(acc.text, /^\[h3\] I\d{4} /m);
      assertMatch(acc.text, /dev: sandbox ready; 30\/30 pairs answered/);
      await Deno.writeTextFile(`${watch}/x_test.ts`, "// a test file: ignored\n");
      await Deno.writeTextFile(`${watch}/x.ts`, "export const x = 1;\n");
      await readUntil(reader, acc, "agents ready again");
      assertMatch(acc.text, /dev: changed: .*x\.ts\n/);
      assert(!/changed: .*x_test\.ts/.test(acc.text), "test files do not restart agents");
      assertMatch(acc.text, /agents ready again in .*; 30\/30 pairs answered/);
      child.kill("SIGINT");
      await readUntil(reader, acc, "cleaned up");
      assertEquals((await child.status).code, 0);
      const names = [...new Set(acc.text.match(/\bfd[shp][0-9a-z]+\b/g) ?? [])];
      assertEquals(names.length, 10, `${names}`);
      const nsList = (await exec("ip", ["netns", "list"])).stdout;
      assertEquals(names.filter((n) => nsList.includes(n)), [], "no namespace left");
    } finally {
      try {
        child.kill("SIGKILL");
      } catch { /* exited */ }
      await reader.cancel().catch(() => {});
      await child.stderr.cancel().catch(() => {});
      await child.status;
      await Deno.remove(watch, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "deno task dev without iptables, apt-get failing: one line naming it, exit 1, nothing built",
  ignore: !isRoot,
  fn: async () => {
    const p = await shimPath({ hide: /^iptables/, shims: { "apt-get": "exit 100" } });
    try {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "scripts/dev.ts"],
        cwd: ROOT,
        env: { NO_COLOR: "1", PATH: p.path },
        stdin: "null",
      }).output();
      const err = new TextDecoder().decode(out.stderr).trim();
      assertEquals([out.code, new TextDecoder().decode(out.stdout)], [1, ""], err);
      assertMatch(err.split("\n").at(-1)!, /^dev: apt-get could not install:.* iptables\b/);
    } finally {
      await p.remove();
    }
  },
});
