import { assertEquals, assertRejects } from "../../../harness/assert.ts";
import { ipamFor } from "../../../../mod/cni/bridge/ipam.ts";
import { fakeLog, writeFakePlugin } from "../fake_plugin.ts";

const conf = (dir: string, type: string) => ({
  cniVersion: "1.0.0",
  name: "cbr0",
  ipam: { type, dataDir: dir, ranges: [[{ subnet: "10.7.0.0/24" }]] },
});

Deno.test("ipamFor() host-local in-process: add, held, check, del", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const a = { containerID: "c", netns: "/x", ifName: "eth0", args: "", env: {} };
    const ipam = ipamFor("host-local", conf(dir, "host-local"), a, () => Promise.resolve());
    assertEquals((await ipam.add()).ips, [{ address: "10.7.0.2/24", gateway: "10.7.0.1" }]);
    assertEquals((await ipam.held()).map(String), ["10.7.0.2"]);
    await ipam.check();
    await ipam.del();
    assertEquals(await ipam.held(), []);
    await assertRejects(() => ipam.check(), Error, "Failed to find address added by container c");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ipamFor() other types run from CNI_PATH with the whole config", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeFakePlugin(dir, "my-ipam");
    const a = { containerID: "c", netns: "/x", ifName: "eth0", args: "", env: { CNI_PATH: dir } };
    const ipam = ipamFor("my-ipam", conf(dir, "my-ipam"), a, () => Promise.resolve());
    assertEquals((await ipam.add()).ips[0]!.address, "10.1.17.5/24");
    await ipam.del();
    assertEquals(await ipam.held(), []);
    assertEquals(fakeLog(dir).map((l) => l.split(" ")[0]), ["ADD", "DEL"]);
    assertEquals(JSON.parse(fakeLog(dir)[0]!.split(" ").slice(3).join(" ")).ipam.type, "my-ipam");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
