import { assert, assertEquals, assertThrows } from "../harness/assert.ts";
import { makeFifo, unblockAfter } from "../harness/fifo.ts";
import { NotRegularFileError, readRegularFileSync } from "../../mod/regular_file.ts";

Deno.test("readRegularFileSync() reads files and links to them; refuses the rest without blocking", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "regular-" });
  const fifo = `${dir}/fifo`;
  await makeFifo(fifo);
  const stop = unblockAfter([fifo], 2000); // a reader stuck on the FIFO gets "" instead of hanging
  try {
    Deno.writeTextFileSync(`${dir}/file`, "text\n");
    Deno.symlinkSync(`${dir}/file`, `${dir}/link`);
    Deno.symlinkSync(fifo, `${dir}/fifo-link`);
    Deno.symlinkSync(`${dir}/loop-b`, `${dir}/loop-a`);
    Deno.symlinkSync(`${dir}/loop-a`, `${dir}/loop-b`);
    Deno.mkdirSync(`${dir}/dir`);
    assertEquals(readRegularFileSync(`${dir}/file`), "text\n");
    assertEquals(readRegularFileSync(`${dir}/link`), "text\n");
    const refused: [string, string][] = [
      ["fifo", "a FIFO"],
      ["fifo-link", "a FIFO"],
      ["dir", "a directory"],
      ["loop-a", "a symbolic link loop"],
      ["/dev/null", "a character device"],
    ];
    for (const [name, what] of refused) {
      await t.step(name, () => {
        const path = name.startsWith("/") ? name : `${dir}/${name}`;
        const e = assertThrows(() => readRegularFileSync(path), NotRegularFileError);
        assertEquals([e.what, e.code, e.message], [
          what,
          "ENOTREG",
          `"${path}" is ${what}, not a regular file`,
        ]);
      });
    }
    assertThrows(() => readRegularFileSync(`${dir}/none`), Deno.errors.NotFound, "none");
  } finally {
    await stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readRegularFileSync() never opens a FIFO: a writer waiting on it stays waiting", async () => {
  const dir = await Deno.makeTempDir({ prefix: "regular-" });
  const fifo = `${dir}/fifo`;
  await makeFifo(fifo);
  // The writer's open(2) returns only once a reader opens the FIFO; then it makes "opened".
  const writer = new Deno.Command("sh", {
    args: ["-c", `exec 3>"$1"; : > "$2"`, "sh", fifo, `${dir}/opened`],
  }).spawn();
  try {
    await new Promise((r) => setTimeout(r, 200)); // the writer is in its open
    for (let i = 0; i < 3; i++) {
      assertThrows(() => readRegularFileSync(fifo), NotRegularFileError, "is a FIFO");
    }
    await new Promise((r) => setTimeout(r, 300)); // what an open would have let it do
    const opened = await Deno.stat(`${dir}/opened`).then(() => true, () => false);
    assert(!opened, "the FIFO was opened: its writer went on");
  } finally {
    try {
      writer.kill("SIGKILL");
    } catch { /* it went on and ended */ }
    await writer.status;
    await Deno.remove(dir, { recursive: true });
  }
});
