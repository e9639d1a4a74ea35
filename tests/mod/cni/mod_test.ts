/** The CNI face's process world: tracing of a call's phases (`FLANNEL_CNI_TRACE`). */
import { assert, assertEquals, assertMatch } from "../../harness/assert.ts";
import { lineTracer, runCniMode } from "../../../mod/cni/mod.ts";
import { cniEnv, fakeIO } from "./skel_helpers.ts";
import { withTempDir } from "./temp_dir.ts";

Deno.test("lineTracer() writes the time origin, then each label at origin + now", () => {
  const lines: string[] = [];
  let now = 0;
  const trace = lineTracer((t) => lines.push(t), { timeOrigin: 1000, now: () => now });
  now = 2.5;
  trace("start");
  now = 12.25;
  trace("end");
  assertEquals(lines, [
    "flannel-cni-trace origin 1000.000\n",
    "flannel-cni-trace start 1002.500\n",
    "flannel-cni-trace end 1012.250\n",
  ]);
});

Deno.test("runCniMode() marks the start and the end of a call", async () => {
  const phases: string[] = [];
  const c = fakeIO(cniEnv("VERSION"));
  const code = await runCniMode({ ...c.io, trace: (p) => phases.push(p) });
  assertEquals([code, phases], [0, ["start", "end"]]);
  await withTempDir(async (dir) => {
    // DEL of an attachment never added: no delegate runs, so no delegate phase either.
    const conf = { cniVersion: "1.0.0", name: "cbr0", type: "flannel", dataDir: dir };
    const del = fakeIO(cniEnv("DEL"), JSON.stringify(conf));
    phases.length = 0;
    assertEquals(await runCniMode({ ...del.io, trace: (p) => phases.push(p) }), 0, del.out());
    assertEquals(phases, ["start", "end"]);
  });
});

Deno.test("FLANNEL_CNI_TRACE makes a real call print its phases on stderr", async () => {
  const entry = new URL("../../../mod/cni/entry.ts", import.meta.url).pathname;
  const run = (trace: boolean) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--cached-only", entry],
      env: { CNI_COMMAND: "VERSION", ...(trace ? { FLANNEL_CNI_TRACE: "1" } : {}) },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  const traced = await run(true);
  assertEquals(traced.code, 0);
  const lines = new TextDecoder().decode(traced.stderr).trim().split("\n");
  assertEquals(lines.map((l) => l.split(" ")[1]), ["origin", "start", "end"]);
  for (const l of lines) assertMatch(l, /^flannel-cni-trace [a-z-]+ \d+\.\d{3}$/);
  const ms = lines.map((l) => Number(l.split(" ")[2]));
  assert(ms[0]! <= ms[1]! && ms[1]! <= ms[2]!, lines.join("\n"));
  const quiet = await run(false);
  assertEquals([quiet.code, new TextDecoder().decode(quiet.stderr)], [0, ""]);
});
