import { assertEquals, assertRejects } from "../../harness/assert.ts";
import {
  delegateAdd,
  delegateRun,
  findInPath,
  PluginNotFoundError,
} from "../../../mod/cni/exec.ts";
import { CniError } from "../../../mod/cni/errors.ts";
import { CommandStartError } from "../../../mod/process/run.ts";
import { fakeLog, writeFakePlugin } from "./fake_plugin.ts";
import { withTempDir } from "./temp_dir.ts";

function x(dir: string, extra: Record<string, string> = {}) {
  let err = "";
  return {
    env: {
      CNI_COMMAND: "ADD",
      CNI_CONTAINERID: "c1",
      CNI_NETNS: "/var/run/netns/p",
      CNI_IFNAME: "eth0",
      CNI_PATH: `/nonexistent:${dir}`,
      ...extra,
    },
    writeStderr: (t: string) => {
      err += t;
      return Promise.resolve();
    },
    err: () => err,
  };
}

const enc = (s: string) => new TextEncoder().encode(s);

Deno.test("findInPath() searches CNI_PATH in order and words failures like Go", () =>
  withTempDir(async (dir) => {
    await writeFakePlugin(dir, "fakebr");
    assertEquals(await findInPath("fakebr", `/nonexistent:${dir}:/usr/lib/cni`), `${dir}/fakebr`);
    await assertRejects(() => findInPath("", dir), PluginNotFoundError, "no plugin name provided");
    await assertRejects(
      () => findInPath("a/b", dir),
      PluginNotFoundError,
      "invalid plugin name: a/b",
    );
    await assertRejects(
      () => findInPath("bridge", "/a:/b"),
      PluginNotFoundError,
      'failed to find plugin "bridge" in path [/a /b]',
    );
  }));

Deno.test("delegateAdd() passes env and stdin, copies stderr, keeps the delegate's version", () =>
  withTempDir(async (dir) => {
    await writeFakePlugin(dir, "fakebr");
    const w = x(dir, { CNI_COMMAND: "CHECK" });
    const { result, version } = await delegateAdd("fakebr", enc('{"cniVersion":"1.0.0"}'), w);
    assertEquals(version, "0.3.1");
    assertEquals(result.ips, [{ address: "10.1.17.5/24", gateway: "10.1.17.1", interface: 0 }]);
    assertEquals(fakeLog(dir), ['ADD c1 eth0 {"cniVersion":"1.0.0"}']);
    assertEquals(w.err(), "note on stderr\n");
    await delegateRun("fakebr", "DEL", enc("{}"), w);
    assertEquals(fakeLog(dir)[1], "DEL c1 eth0 {}");
  }));

Deno.test("delegate failures: CNI error passes through, else code 999 with upstream text", () =>
  withTempDir(async (dir) => {
    await writeFakePlugin(dir, "fakebr");
    const w = x(dir);
    await Deno.writeTextFile(`${dir}/mode`, "fail");
    const e = await assertRejects(() => delegateRun("fakebr", "DEL", enc("{}"), w), CniError);
    assertEquals([e.cniCode, e.message, e.details], [7, "fake refused", "d"]);
    await Deno.writeTextFile(`${dir}/mode`, "stderr");
    const s = await assertRejects(() => delegateRun("fakebr", "DEL", enc("{}"), w), CniError);
    assertEquals([s.cniCode, s.message], [999, 'netplugin failed: "went wrong\\n": exit status 3']);
    await Deno.writeTextFile(`${dir}/mode`, "garbage");
    await assertRejects(
      () => delegateRun("fakebr", "DEL", enc("{}"), w),
      CniError,
      'netplugin failed but error parsing its diagnostic message "not json"',
    );
  }));

Deno.test("delegateRun() retries a plugin binary still open for writing (text file busy)", () =>
  withTempDir(async (dir) => {
    const path = await writeFakePlugin(dir, "fakebr");
    // Held open for writing, as while a runtime installs it: exec fails with ETXTBSY.
    const writer = await Deno.open(path, { write: true });
    const waits: number[] = [];
    const w = {
      ...x(dir),
      sleep: (ms: number) => {
        waits.push(ms);
        writer.close(); // the install finished
        return Promise.resolve();
      },
    };
    try {
      await delegateRun("fakebr", "DEL", enc("{}"), w);
    } finally {
      if (waits.length === 0) writer.close();
    }
    assertEquals(waits, [1000]);
    assertEquals(fakeLog(dir), ["DEL c1 eth0 {}"]);
  }));

Deno.test("delegateRun() reports an unstartable plugin in Go's words", () =>
  withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/plain`, "#!/bin/sh\n", { mode: 0o644 });
    await assertRejects(
      () => delegateRun("plain", "DEL", enc("{}"), x(dir)),
      CommandStartError,
      `fork/exec ${dir}/plain: permission denied`,
    );
  }));
