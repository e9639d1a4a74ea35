/**
 * The demo/dev session helpers in real processes: Ctrl-C aborts the body but its `finally`
 * still runs to the end (a second signal only says so), errors become status 1 with a line.
 */
import { assertEquals, assertStringIncludes } from "../../harness/assert.ts";
import { setupFailureLine } from "../../../scripts/sandbox/session.ts";

const SESSION = new URL("../../../scripts/sandbox/session.ts", import.meta.url).href;

async function runScript(code: string, signals: number): Promise<[number, string, string]> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-config", `import * as s from "${SESSION}";\n${code}`],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!out.includes("started") && signals > 0) out += (await reader.read()).value ?? "";
  for (let i = 0; i < signals; i++) {
    child.kill("SIGINT");
    await new Promise((r) => setTimeout(r, 100));
  }
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    out += value;
  }
  const status = await child.status;
  return [status.code, out, await new Response(child.stderr).text()];
}

Deno.test("interruptible(): two Ctrl-C, the clean-up still finishes; status 130", async () => {
  const code = `Deno.exit(await s.interruptible("demo", async (signal) => {
    try {
      console.log("started");
      await new Promise((r) => signal.addEventListener("abort", r));
      return 0;
    } finally {
      await new Promise((r) => setTimeout(r, 400));
      console.log("cleaned");
    }
  }));`;
  const [status, out, err] = await runScript(code, 2);
  assertEquals(status, 130);
  assertStringIncludes(out, "cleaned");
  assertStringIncludes(err, "demo: interrupted, cleaning up");
  assertStringIncludes(err, "demo: still cleaning up, one moment");
});

Deno.test("interruptible(): a failing body is status 1 with its message", async () => {
  const code =
    `Deno.exit(await s.interruptible("demo", () => Promise.reject(new Error("no bridge"))));`;
  const [status, , err] = await runScript(code, 0);
  assertEquals(status, 1);
  assertStringIncludes(err, "demo: failed: no bridge");
});

Deno.test("cacheDeps() installs what the lockfile says (idempotent, quiet)", async () => {
  const { cacheDeps } = await import("../../../scripts/sandbox/session.ts");
  await cacheDeps();
  await cacheDeps();
});

Deno.test("setupFailureLine() is setup.sh's last line as the script's own", () => {
  const stderr = "setup: installing iptables\nE: Unable to locate package\n" +
    "setup: apt-get could not install: iptables (install them, then run again)\n";
  assertEquals(
    setupFailureLine("demo", stderr),
    "demo: apt-get could not install: iptables (install them, then run again)",
  );
  assertEquals(setupFailureLine("dev", ""), "dev: scripts/setup.sh failed");
});
