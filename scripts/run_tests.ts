/**
 * `deno task test`: installs what the suite needs from Debian (scripts/setup.sh), caches the
 * npm dependencies (tests run agents inside network namespaces, which cannot reach the
 * registry), runs `deno test`, and ends with the plain line CI reads: `N passed, N failed`.
 *
 * Extra arguments go to `deno test` (e.g. a path to run one folder).
 */
const root = new URL("..", import.meta.url).pathname;
const deno = Deno.execPath();

async function run(cmd: string, args: string[], quiet = false): Promise<number> {
  const p = new Deno.Command(cmd, {
    args,
    cwd: root,
    stdout: quiet ? "piped" : "inherit",
    stderr: quiet ? "piped" : "inherit",
  });
  const out = await p.output();
  if (quiet && !out.success) {
    await Deno.stderr.write(out.stdout);
    await Deno.stderr.write(out.stderr);
  }
  return out.code;
}

if ((await run("sh", ["scripts/setup.sh"])) !== 0) Deno.exit(1);
if ((await run(deno, ["install", "--quiet"], true)) !== 0) {
  console.error("test: dependencies could not be installed");
  Deno.exit(1);
}

const child = new Deno.Command(deno, {
  args: ["test", "-A", "--permit-no-files", ...Deno.args],
  cwd: root,
  env: { NO_COLOR: "1" },
  stdout: "piped",
  stderr: "inherit",
}).spawn();

// Stream the report through while keeping the last lines for the summary.
let tail = "";
const decoder = new TextDecoder();
for await (const chunk of child.stdout) {
  await Deno.stdout.write(chunk);
  tail = (tail + decoder.decode(chunk, { stream: true })).slice(-4096);
}
const status = await child.status;
const m = tail.match(/(?:ok|FAILED) \| (\d+) passed[^|]*\| (\d+) failed(?: \| (\d+) ignored)?/);
const passed = m ? Number(m[1]) : 0;
const failed = m ? Number(m[2]) : status.success ? 0 : 1;
if (m?.[3]) console.log(`${m[3]} ignored`);
console.log(`${passed} passed, ${failed} failed`);
Deno.exit(status.success && failed === 0 ? 0 : 1);
