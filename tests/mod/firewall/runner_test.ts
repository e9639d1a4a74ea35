import {
  createRunner,
  FirewallError,
  netnsRunner,
  runChecked,
} from "../../../mod/firewall/runner.ts";
import { assertEquals, assertRejects, assertStringIncludes } from "../../harness/assert.ts";

Deno.test("createRunner() passes stdin and returns code and output", async () => {
  const run = createRunner();
  assertEquals(await run("cat", [], "a payload\n"), { code: 0, stdout: "a payload\n", stderr: "" });
  const r = await run("sh", ["-c", "echo oops >&2; exit 3"]);
  assertEquals([r.code, r.stderr], [3, "oops\n"]);
});

Deno.test("createRunner() reports a missing executable as code 127", async () => {
  const r = await createRunner()("flannel-no-such-binary", []);
  assertEquals(r.code, 127);
  assertStringIncludes(r.stderr, "flannel-no-such-binary");
  // Go's os/exec text, which upstream's "no nftables support: …" carries.
  assertEquals(r.stderr, 'exec: "flannel-no-such-binary": executable file not found in $PATH');
});

Deno.test("createRunner() puts the prefix before every command", async () => {
  const r = await createRunner({ prefix: ["env", "FW_TEST=1"] })("sh", ["-c", "echo $FW_TEST"]);
  assertEquals(r.stdout, "1\n");
  // netnsRunner is the same with `ip netns exec <name>`: a missing namespace fails, no throw.
  const n = await netnsRunner("flannel-no-such-netns")("true", []);
  assertEquals(n.code !== 0, true);
});

Deno.test("runChecked() throws FirewallError with the command and stderr", async () => {
  const run = createRunner();
  assertEquals(await runChecked(run, "echo", ["hi"]), "hi\n");
  const err = await assertRejects(
    () => runChecked(run, "sh", ["-c", "echo bad >&2; exit 2"]),
    FirewallError,
  );
  assertEquals(err.code, "EFIREWALL");
  assertEquals(err.message, `Command "sh -c echo bad >&2; exit 2" failed (exit 2): bad`);
});
