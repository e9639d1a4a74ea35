import { assert, assertEquals } from "../../../harness/assert.ts";
import { DiskStore } from "../../../../mod/cni/ipam/store.ts";
import { parseIP } from "../../../../mod/ip/mod.ts";
import { withTempDir } from "../temp_dir.ts";

Deno.test("DiskStore writes host-local's exact files", () =>
  withTempDir(async (root) => {
    const s = DiskStore.open(root, "cbr0");
    s.withLock(() => {
      assert(s.reserve(" ctr1 ", "eth0", parseIP("10.244.1.2"), "0"));
      assert(!s.reserve("ctr2", "eth0", parseIP("10.244.1.2"), "0"));
      assert(s.reserve("ctr1", "eth0", parseIP("fc00::2"), "1"));
    });
    assertEquals(await Deno.readTextFile(`${root}/cbr0/10.244.1.2`), "ctr1\r\neth0");
    assertEquals(await Deno.readTextFile(`${root}/cbr0/fc00::2`), "ctr1\r\neth0");
    assertEquals(await Deno.readTextFile(`${root}/cbr0/last_reserved_ip.0`), "10.244.1.2");
    assertEquals(await Deno.readTextFile(`${root}/cbr0/last_reserved_ip.1`), "fc00::2");
    assertEquals((await Deno.stat(`${root}/cbr0`)).mode! & 0o777, 0o755);
    assertEquals((await Deno.stat(`${root}/cbr0/lock`)).size, 0);
    assertEquals(`${s.lastReservedIP("1")}`, "fc00::2");
    assertEquals(s.lastReservedIP("7"), null);
  }));

Deno.test("DiskStore releases by (id, ifname), then by a bare id (old format)", () =>
  withTempDir(async (root) => {
    const s = DiskStore.open(root, "n");
    await Deno.writeTextFile(`${root}/n/10.0.0.2`, "a\r\neth0");
    await Deno.writeTextFile(`${root}/n/10.0.0.3`, "a\r\neth1");
    await Deno.writeTextFile(`${root}/n/10.0.0.4`, "a");
    await Deno.writeTextFile(`${root}/n/10.0.0.5`, "b\r\neth0\n");
    assertEquals(s.getByID("a", "eth0").map(String).sort(), ["10.0.0.2", "10.0.0.4"]);
    s.releaseByID("a", "eth0");
    const left = s.list().map((a) => `${a.ip}`).sort();
    assertEquals(left, ["10.0.0.3", "10.0.0.4", "10.0.0.5"]);
    s.releaseByID("a", "eth9");
    assertEquals(s.list().map((a) => `${a.ip}`).sort(), ["10.0.0.3", "10.0.0.5"]);
    assertEquals(s.list().find((a) => a.id === "b")?.ifname, "eth0");
  }));

Deno.test("DiskStore.withLock() excludes a concurrent flock holder", () =>
  withTempDir(async (root) => {
    const s = DiskStore.open(root, "n");
    await Deno.writeTextFile(`${s.dir}/lock`, "");
    // flock(1) holds the same lock for 300 ms; our critical section must start after it.
    const holder = new Deno.Command("flock", {
      args: ["-x", `${s.dir}/lock`, "sh", "-c", "echo held; sleep 0.3; echo done"],
      stdout: "piped",
    }).spawn();
    const reader = holder.stdout.getReader();
    await reader.read(); // "held"
    const t0 = performance.now();
    const waited = s.withLock(() => performance.now() - t0);
    reader.releaseLock();
    await holder.output();
    assert(waited >= 200, `lock taken after ${waited} ms, before the holder released it`);
  }));
