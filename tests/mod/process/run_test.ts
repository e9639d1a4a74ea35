import {
  CommandFailedError,
  CommandNotFoundError,
  commandOutput,
  CommandStartError,
  CommandTimeoutError,
  failedText,
  runCommand,
} from "../../../mod/process/run.ts";
import { assert, assertEquals, assertRejects } from "../../harness/assert.ts";

Deno.test("runCommand() returns the exit code and both outputs, untrimmed", async () => {
  const r = await runCommand(["sh", "-c", "echo out; echo err >&2; exit 3"]);
  assertEquals(r, { code: 3, stdout: "out\n", stderr: "err\n" });
  assertEquals(await runCommand(["true"]), { code: 0, stdout: "", stderr: "" });
});

Deno.test("runCommand() writes stdin as text or bytes, and /dev/null without it", async () => {
  assertEquals((await runCommand(["cat"], { stdin: "a payload\n" })).stdout, "a payload\n");
  const bytes = new Uint8Array([0x68, 0x69, 0x0a]);
  assertEquals((await runCommand(["cat"], { stdin: bytes })).stdout, "hi\n");
  assertEquals((await runCommand(["cat"])).stdout, "");
  // 4 MiB through a pipe both ways: written while the output is read, so no deadlock.
  const big = "x".repeat(4 << 20);
  assertEquals((await runCommand(["cat"], { stdin: big })).stdout.length, big.length);
});

Deno.test("runCommand() ignores stdin the child never reads (the exit status tells)", async () => {
  const r = await runCommand(["sh", "-c", "exit 4"], { stdin: "y".repeat(1 << 20) });
  assertEquals(r.code, 4);
});

Deno.test("runCommand() sets env over ours, or alone with clearEnv; cwd", async () => {
  const env = { FLANNEL_RUN_TEST: "v1" };
  const over = (await runCommand(["/usr/bin/env"], { env })).stdout.split("\n");
  assert(over.includes("FLANNEL_RUN_TEST=v1") && over.some((l) => l.startsWith("PATH=")));
  const alone = await runCommand(["/usr/bin/env"], { env, clearEnv: true });
  assertEquals(alone.stdout, "FLANNEL_RUN_TEST=v1\n");
  const dir = await Deno.makeTempDir();
  try {
    assertEquals((await runCommand(["pwd"], { cwd: dir })).stdout, `${await Deno.realPath(dir)}\n`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runCommand() words a missing program as Go's os/exec does", async () => {
  const e = await assertRejects(() => runCommand(["flannel-no-such-binary"]), CommandNotFoundError);
  assertEquals(e.code, "ECMDNOTFOUND");
  assertEquals(e.message, 'exec: "flannel-no-such-binary": executable file not found in $PATH');
  const p = await assertRejects(() => runCommand(["/nonexistent/bin/x"]), CommandNotFoundError);
  assertEquals(p.message, "fork/exec /nonexistent/bin/x: no such file or directory");
});

Deno.test("runCommand() tells an unstartable program and a missing cwd apart", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/plain`, "#!/bin/sh\n", { mode: 0o644 });
    const e = await assertRejects(() => runCommand([`${dir}/plain`]), CommandStartError);
    assertEquals([e.code, e.message], ["ECMDSTART", `fork/exec ${dir}/plain: permission denied`]);
    const c = await assertRejects(
      () => runCommand(["true"], { cwd: `${dir}/gone` }),
      CommandStartError,
    );
    assertEquals(c.message, `fork/exec true: chdir ${dir}/gone: no such file or directory`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runCommand() kills a command that overruns its timeout", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const argv = ["sh", "-c", `echo $$ > ${dir}/pid; exec sleep 30`];
    const t0 = performance.now();
    const e = await assertRejects(
      () => runCommand(argv, { timeoutMs: 300 }),
      CommandTimeoutError,
    );
    assert(performance.now() - t0 < 20_000, "returned long before sleep 30 would end");
    assertEquals([e.code, e.timeoutMs], ["ECMDTIMEOUT", 300]);
    assertEquals(e.message, `Command "${argv.join(" ")}" timed out after 300 ms`);
    const pid = (await Deno.readTextFile(`${dir}/pid`)).trim();
    const alive = await Deno.stat(`/proc/${pid}`).then(() => true, () => false);
    assertEquals(alive, false, `sleep (pid ${pid}) still runs`);
    // A command that ends in time is not touched.
    assertEquals((await runCommand(["echo", "ok"], { timeoutMs: 10_000 })).stdout, "ok\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("commandOutput() returns stdout, or throws CommandFailedError with trimmed stderr", async () => {
  assertEquals(await commandOutput(["echo", "hi"]), "hi\n");
  const argv = ["sh", "-c", "echo '  bad thing ' >&2; exit 2"];
  const e = await assertRejects(() => commandOutput(argv), CommandFailedError);
  assertEquals([e.code, e.exitCode, e.stderr], ["ECMDFAILED", 2, "bad thing"]);
  assertEquals(
    e.message,
    `Command "sh -c echo '  bad thing ' >&2; exit 2" failed (exit 2): bad thing`,
  );
  assertEquals(e.message, failedText(argv, 2, "  bad thing \n"));
});
