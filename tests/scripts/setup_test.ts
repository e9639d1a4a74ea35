/**
 * scripts/setup.sh on a machine where a package's commands are missing: `--check` names the
 * package; as root, an apt-get that fails, or one that "succeeds" without providing the
 * command, ends in one line naming the package and exit 1. `apt-get` is always a shim here:
 * nothing on this machine is installed or changed.
 */
import { assert, assertEquals, assertMatch } from "../harness/assert.ts";
import { isRoot } from "../../scripts/lab/netns.ts";
import { shimPath, type ShimPathOptions } from "../harness/path_shim.ts";

const SETUP = new URL("../../scripts/setup.sh", import.meta.url).pathname;
const NO_IPTABLES = /^iptables/;

async function setup(o: ShimPathOptions, args: string[] = []) {
  const p = await shimPath(o);
  try {
    const out = await new Deno.Command("sh", {
      args: [SETUP, ...args],
      env: { PATH: p.path },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  } finally {
    await p.remove();
  }
}

const lastLine = (s: string) => s.trim().split("\n").at(-1);

Deno.test("setup.sh --check names a package whose commands are not on PATH, on one line", async () => {
  const all = await setup({}, ["--check"]);
  assertEquals(all.code, 0);
  assert(!/\biptables\b/.test(all.stdout), `iptables is installed here: ${all.stdout}`);
  const r = await setup({ hide: NO_IPTABLES }, ["--check"]);
  assertEquals(r.code, 0);
  assertEquals(r.stdout.split("\n").length, 2, "one line");
  assertMatch(r.stdout, /(^| )iptables( |\n)/);
  assertEquals(r.stdout.replace(/(^| )iptables/, "").trim(), all.stdout.trim(), "only iptables");
});

Deno.test({
  name: "setup.sh as root: apt-get failing ends with one line naming the package, exit 1",
  ignore: !isRoot,
  fn: async () => {
    const r = await setup({
      hide: NO_IPTABLES,
      shims: { "apt-get": "echo 'E: Unable to locate package' >&2; exit 100" },
    });
    assertEquals(r.code, 1, r.stderr);
    assertMatch(r.stderr, /E: Unable to locate package/); // the apt log, for whoever debugs it
    assertMatch(
      lastLine(r.stderr)!,
      /^setup: apt-get could not install:.* iptables\b.*run again\)$/,
    );
  },
});

Deno.test({
  name: "setup.sh as root: a package installed but its command still not on PATH is an error",
  ignore: !isRoot,
  fn: async () => {
    const r = await setup({ hide: NO_IPTABLES, shims: { "apt-get": "exit 0" } });
    assertEquals(r.code, 1, r.stderr);
    assertMatch(
      lastLine(r.stderr)!,
      /^setup: still missing after installing.* iptables.*: .*iptables.* \(are their commands on PATH\?\)$/,
    );
  },
});
