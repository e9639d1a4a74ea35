/**
 * `deno task compile` end to end: builds the single file into a temp dir and uses it — as
 * `flanneld`, as `flannel` (CNI mode through a symlink), by several first runs at once, and
 * inside a network namespace that has no network at all — there also as a working agent on
 * the local store and as the CNI plugin doing a real ADD (compile_live.ts).
 */
import { DatabaseSync } from "node:sqlite";
import { renderStub } from "../../scripts/compile.ts";
import { AGENT_V8_FLAGS } from "../../mod/agent/v8_flags.ts";
import { BUNDLE_RUN_FLAGS } from "../../mod/cni/install.ts";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../harness/assert.ts";
import { exec, isRoot, NOT_ROOT, withNetns } from "../../scripts/lab/netns.ts";
import { agentAndCniOffline } from "./compile_live.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

Deno.test("renderStub() points tail at the first payload line and parses as sh", async () => {
  const hash = "ab".repeat(32);
  const stub = renderStub(hash);
  const lines = stub.split("\n");
  const skip = Number(stub.match(/tail -n \+(\d+)/)?.[1]);
  assertEquals(skip, lines.length, "payload starts on the line after the stub's last newline");
  assertEquals(lines.at(-2), "exit 1");
  assertStringIncludes(stub, `hash=${"ab".repeat(16)}\n`);
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/stub`, stub);
    assertEquals((await exec("sh", ["-n", `${dir}/stub`])).code, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  let threw = false;
  try {
    renderStub("not a hash; rm -rf /");
  } catch {
    threw = true;
  }
  assert(threw, "a hash that could inject shell is refused");
});

Deno.test("renderStub() runs the CNI face for `flannel` or CNI_COMMAND, main.ts otherwise", async () => {
  const hash = "cd".repeat(32);
  const dir = await Deno.makeTempDir();
  try {
    // An unpacked payload whose "deno" prints the arguments it was given, one per line.
    const app = `${dir}/cache/${hash.slice(0, 32)}`;
    await Deno.mkdir(app, { recursive: true });
    await Deno.writeTextFile(`${app}/.complete`, "");
    await Deno.writeTextFile(`${app}/deno`, '#!/bin/sh\nfor a in "$@"; do echo "$a"; done\n', {
      mode: 0o755,
    });
    const ran = async (stub: string, as: string, env: Record<string, string> = {}) => {
      await Deno.writeTextFile(`${dir}/flanneld`, stub, { mode: 0o755 });
      if (as !== "flanneld") {
        await Deno.remove(`${dir}/${as}`).catch(() => {});
        await Deno.symlink("flanneld", `${dir}/${as}`);
      }
      const r = await runIt(`${dir}/${as}`, ["x"], {
        FLANNEL_LAUNCHER_DIR: `${dir}/cache`,
        ...env,
      });
      assertEquals(r.code, 0, r.stderr);
      return r.stdout.split("\n").filter((l) => l.startsWith(app)).map((l) => l.slice(app.length));
    };
    const stub = renderStub(hash);
    assertEquals(await ran(stub, "flanneld"), ["/app/deno.json", "/app/main.ts"]);
    assertEquals(await ran(stub, "flannel"), ["/app/cni.js"]);
    assertEquals(await ran(stub, "flannel.js"), ["/app/cni.js"]);
    assertEquals(await ran(stub, "flanneld", { CNI_COMMAND: "ADD" }), ["/app/cni.js"]);
    assertEquals(await ran(stub, "flanneld", { CNI_COMMAND: "" }), ["/app/cni.js"], "set = CNI");
    assertEquals(await ran(renderStub(hash, "mod/cni/entry.ts"), "flannel"), [
      "/app/mod/cni/entry.ts",
    ]);
    const all = (await runIt(`${dir}/flannel`, ["x"], { FLANNEL_LAUNCHER_DIR: `${dir}/cache` }))
      .stdout.trim().split("\n");
    assertEquals(all.slice(0, -2), ["run", ...BUNDLE_RUN_FLAGS], "the installed bundle's flags");
    assertEquals(all.at(-1), "x", "argv is passed on");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  let threw = false;
  try {
    renderStub(hash, "x; rm -rf /");
  } catch {
    threw = true;
  }
  assert(threw, "only the two known CNI entries are accepted");
});

Deno.test("renderStub() gives the agent AGENT_V8_FLAGS unless DENO_V8_FLAGS is set; not CNI", async () => {
  const hash = "ef".repeat(32);
  const dir = await Deno.makeTempDir();
  try {
    // An unpacked payload whose "deno" prints the DENO_V8_FLAGS it was given.
    const app = `${dir}/cache/${hash.slice(0, 32)}`;
    await Deno.mkdir(app, { recursive: true });
    await Deno.writeTextFile(`${app}/.complete`, "");
    await Deno.writeTextFile(`${app}/deno`, '#!/bin/sh\necho "v8=${DENO_V8_FLAGS-unset}"\n', {
      mode: 0o755,
    });
    await Deno.writeTextFile(`${dir}/flanneld`, renderStub(hash), { mode: 0o755 });
    const v8 = async (env: Record<string, string>) =>
      (await runIt(`${dir}/flanneld`, [], { FLANNEL_LAUNCHER_DIR: `${dir}/cache`, ...env }))
        .stdout.trim();
    assertEquals(await v8({}), `v8=${AGENT_V8_FLAGS}`);
    assertEquals(
      await v8({ DENO_V8_FLAGS: "--max-old-space-size=64" }),
      "v8=--max-old-space-size=64",
    );
    assertEquals(await v8({ DENO_V8_FLAGS: "" }), "v8=unset", "empty: V8's defaults");
    assertEquals(await v8({ CNI_COMMAND: "ADD" }), "v8=unset", "CNI calls keep V8's defaults");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function runIt(cmd: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Deno.Command(cmd, { args, env, stdin: "null", stdout: "piped", stderr: "piped" })
    .output().then((o) => ({
      code: o.code,
      stdout: new TextDecoder().decode(o.stdout),
      stderr: new TextDecoder().decode(o.stderr),
    }));
}

Deno.test("deno task compile builds one file that runs every face, concurrently and offline", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "flanneld-compile-test-" });
  try {
    const out = `${dir}/flanneld`;
    const built = await runIt(Deno.execPath(), [
      "run",
      "-A",
      `${ROOT}scripts/compile.ts`,
      "--output",
      out,
    ], {});
    assertEquals(built.code, 0, built.stderr);
    const launcher =
      new TextDecoder().decode((await Deno.readFile(out)).subarray(0, 9)) === "#!/bin/sh";
    const env = (cache: string) => ({ FLANNEL_LAUNCHER_DIR: `${dir}/${cache}` });

    await t.step("version tool", async () => {
      const r = await runIt(out, ["version"], env("c1"));
      assertEquals(r.code, 0, r.stderr);
      assertMatch(r.stdout, /^flanneld v\d+\.\d+\.\d+ \(compatible with flannel v0\.28\.9\)\n$/);
    });

    await t.step("CNI mode through a `flannel` symlink", async () => {
      await Deno.symlink("flanneld", `${dir}/flannel`);
      const r = await runIt(`${dir}/flannel`, [], { ...env("c1"), CNI_COMMAND: "VERSION" });
      assertEquals(r.code, 0, r.stderr);
      const v = JSON.parse(r.stdout);
      assert(Array.isArray(v.supportedVersions) && typeof v.cniVersion === "string", r.stdout);
      const about = await runIt(`${dir}/flannel`, [], env("c1"));
      assertStringIncludes(about.stderr, "CNI Plugin flannel version");
      if (launcher) {
        // The bundled CNI face ran (not main.ts) and left its code cache for the next call.
        const [hash] = [...Deno.readDirSync(`${dir}/c1`)].map((e) => e.name);
        const cached = codeCacheSpecifiers(`${dir}/c1/${hash}/deno_dir`);
        assert(cached.includes(`file://${dir}/c1/${hash}/app/cni.js`), cached.join("\n"));
        assert(!cached.some((s) => s.endsWith("/app/main.ts")), "main.ts never ran");
      }
      const agent = await runIt(out, ["--version"], env("c1"));
      assertEquals([agent.code, agent.stdout], [0, ""], "agent face: --version goes to stderr");
      assertMatch(agent.stderr, /^v\d+\.\d+\.\d+\n$/);
    });

    if (!launcher) return; // a real `deno compile` binary: nothing is unpacked

    await t.step("first runs at once unpack one directory, atomically", async () => {
      const runs = await Promise.all([1, 2, 3, 4].map(() => runIt(out, ["version"], env("c2"))));
      for (const r of runs) assertEquals(r.code, 0, r.stderr);
      const names = [...Deno.readDirSync(`${dir}/c2`)].map((e) => e.name);
      assertEquals(names.length, 1, `one hash directory, no temp left: ${names}`);
      assertMatch(names[0]!, /^[0-9a-f]{32}$/);
    });

    await t.step("refuses a cache directory owned by someone else", async () => {
      if (!isRoot) return;
      await Deno.mkdir(`${dir}/foreign`);
      await Deno.chown(`${dir}/foreign`, 65534, 65534);
      const r = await runIt(out, ["version"], env("foreign"));
      assertEquals(r.code, 1);
      assertStringIncludes(r.stderr, "is not owned by us");
    });

    await t.step({
      name: "runs without any network, npm packages included",
      ignore: !isRoot,
      fn: () => offlineChecks(out, `${dir}/c3`),
    });

    await t.step({
      name: "without network: the agent on the local store, a real CNI ADD through `flannel`",
      ignore: !isRoot,
      fn: () => agentAndCniOffline(out, `${dir}/flannel`, `${dir}/c3`),
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
if (!isRoot) console.log(`compile_test: the offline netns step is ignored, ${NOT_ROOT}`);

async function offlineChecks(out: string, cache: string): Promise<void> {
  await withNetns(1, async (ns) => {
    const inNs = (args: string[], extraEnv: Record<string, string> = {}) =>
      runIt("ip", [
        "netns",
        "exec",
        ns.name,
        "env",
        `FLANNEL_LAUNCHER_DIR=${cache}`,
        ...kv(extraEnv),
        ...args,
      ], {});
    const first = await inNs([out, "version"]);
    assertEquals(first.code, 0, first.stderr);
    const agent = await inNs([out, "--version"]);
    assertEquals(agent.code, 0, agent.stderr);
    const cni = await inNs([out], { CNI_COMMAND: "VERSION" });
    assertEquals([cni.code, JSON.parse(cni.stdout).cniVersion], [0, "1.1.0"], cni.stderr);
    // The packaged deno + node_modules load the heavy npm clients with no registry in reach.
    const [hash] = [...Deno.readDirSync(cache)].map((e) => e.name);
    const app = `${cache}/${hash}/app`;
    const code =
      "await import('etcd3'); await import('@kubernetes/client-node'); console.log('loaded')";
    const npm = await inNs(
      [`${cache}/${hash}/deno`, "eval", "--cached-only", "--config", `${app}/deno.json`, code],
      { DENO_DIR: `${cache}/${hash}/deno_dir` },
    );
    assertEquals([npm.code, npm.stdout], [0, "loaded\n"], npm.stderr);
    assert(!npm.stderr.includes("Download"), npm.stderr);
  }, "fwo");
}

/** The specifiers in the V8 code cache of a DENO_DIR (Deno 2.9's sqlite layout). */
function codeCacheSpecifiers(denoDir: string): string[] {
  const db = new DatabaseSync(`${denoDir}/v8_code_cache_v2`, { readOnly: true });
  try {
    return db.prepare("SELECT specifier FROM codecache").all().map((r) => String(r.specifier));
  } finally {
    db.close();
  }
}

function kv(env: Record<string, string>): string[] {
  return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}
