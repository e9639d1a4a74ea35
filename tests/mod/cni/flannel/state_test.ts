import { assertEquals, assertThrows } from "../../../harness/assert.ts";
import {
  listStates,
  parseStateName,
  readState,
  removeState,
  saveState,
  statePath,
} from "../../../../mod/cni/flannel/state.ts";
import { withTempDir } from "../temp_dir.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b);

Deno.test("statePath() keeps the reference's name for eth0, suffixes others", () => {
  assertEquals(statePath("/d", "abc", "eth0"), "/d/abc");
  assertEquals(statePath("/d", "abc", "net1"), "/d/abc@net1");
  assertEquals(parseStateName("abc"), { containerID: "abc", ifname: "eth0" });
  assertEquals(parseStateName("abc@net1"), { containerID: "abc", ifname: "net1" });
  assertEquals(parseStateName(".hidden"), null);
  assertEquals(parseStateName("abc@"), null);
});

Deno.test("saveState() writes 0600 in a 0700 dir; two interfaces do not share state", () =>
  withTempDir(async (root) => {
    const dir = `${root}/flannel`;
    saveState(dir, "c1", "eth0", bytes('{"type":"bridge","n":0}'));
    saveState(dir, "c1", "net1", bytes('{"type":"bridge","n":1}'));
    assertEquals((await Deno.stat(dir)).mode! & 0o777, 0o700);
    assertEquals((await Deno.stat(`${dir}/c1`)).mode! & 0o777, 0o600);
    assertEquals(text((readState(dir, "c1", "eth0"))?.bytes), '{"type":"bridge","n":0}');
    assertEquals(text((readState(dir, "c1", "net1"))?.bytes), '{"type":"bridge","n":1}');
    saveState(dir, "c1", "eth0", bytes("{}"));
    assertEquals(text((readState(dir, "c1", "eth0"))?.bytes), "{}");
    assertEquals((listStates(dir)).map((s) => `${s.containerID}/${s.ifname}`).sort(), [
      "c1/eth0",
      "c1/net1",
    ]);
  }));

Deno.test("readState() falls back to the reference's <id> file for other interfaces", () =>
  withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/c2`, '{"type":"bridge"}');
    const st = readState(dir, "c2", "net1");
    assertEquals([st?.path, st?.owned], [`${dir}/c2`, false]);
    assertEquals((readState(dir, "c2", "eth0"))?.owned, true);
    assertEquals(readState(dir, "c3", "eth0"), null);
    removeState(`${dir}/c2`);
    removeState(`${dir}/c2`);
    assertEquals(readState(dir, "c2", "net1"), null);
    assertEquals(listStates(`${dir}/missing`), []);
  }));

Deno.test("readState() reports unreadable state in Go's words", () =>
  withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/c4`);
    assertThrows(
      () => readState(dir, "c4", "eth0"),
      Error,
      `read ${dir}/c4: is a directory`,
    );
  }));
