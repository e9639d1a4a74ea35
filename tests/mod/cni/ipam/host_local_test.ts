import { assert, assertEquals, assertThrows } from "../../../harness/assert.ts";
import { loadIpamConfig } from "../../../../mod/cni/ipam/conf.ts";
import {
  hostLocalAdd,
  hostLocalCheck,
  hostLocalDel,
  hostLocalGC,
} from "../../../../mod/cni/ipam/host_local.ts";
import { exec } from "../../../../scripts/lab/netns.ts";
import { withTempDir } from "../temp_dir.ts";

const REFERENCE = "/usr/lib/cni/host-local";
const hasReference = (() => {
  try {
    return Deno.statSync(REFERENCE).isFile;
  } catch {
    return false;
  }
})();

function netconf(dataDir: string, ranges: unknown[], version = "1.0.0") {
  return {
    cniVersion: version,
    name: "cbr0",
    ipam: { type: "host-local", dataDir, ranges, routes: [{ dst: "10.244.0.0/16" }] },
  };
}

Deno.test("hostLocalAdd() dual stack, round robin after DEL, routes passed on", () =>
  withTempDir((dir) => {
    const conf = loadIpamConfig(
      netconf(dir, [[{ subnet: "10.244.1.0/24" }], [{ subnet: "fc00::/64" }]]),
      "",
    );
    const a = hostLocalAdd(conf, "a", "eth0");
    assertEquals(a.ips, [
      { address: "10.244.1.2/24", gateway: "10.244.1.1" },
      { address: "fc00::2/64", gateway: "fc00::1" },
    ]);
    assertEquals(a.routes, [{ dst: "10.244.0.0/16" }]);
    hostLocalCheck(conf, "a", "eth0");
    hostLocalDel(conf, "a", "eth0");
    hostLocalDel(conf, "a", "eth0");
    assertThrows(
      () => hostLocalCheck(conf, "a", "eth0"),
      Error,
      "host-local: Failed to find address added by container a",
    );
    const b = hostLocalAdd(conf, "b", "eth0");
    assertEquals(b.ips.map((i) => i.address), ["10.244.1.3/24", "fc00::3/64"]);
  }));

Deno.test("hostLocalAdd() exhaustion releases earlier sets and names the range", () =>
  withTempDir((dir) => {
    const conf = loadIpamConfig(
      netconf(dir, [[{ subnet: "fc00::/126" }], [{ subnet: "10.244.1.0/30" }]]),
      "",
    );
    hostLocalAdd(conf, "a", "eth0");
    assertThrows(
      () => hostLocalAdd(conf, "c", "eth0"),
      Error,
      "failed to allocate for range 1: no IP addresses available in range set: 10.244.1.1-10.244.1.2",
    );
    // c's IPv6 address from set 0 was given back.
    const files = [...Deno.readDirSync(`${dir}/cbr0`)].map((e) => e.name).sort();
    assertEquals(files, [
      "10.244.1.2",
      "fc00::2",
      "last_reserved_ip.0",
      "last_reserved_ip.1",
      "lock",
    ]);
  }));

Deno.test("hostLocalGC() releases addresses of attachments not listed as valid", () =>
  withTempDir(async (dir) => {
    const conf = loadIpamConfig(netconf(dir, [[{ subnet: "10.0.0.0/24" }]]), "");
    hostLocalAdd(conf, "keep", "eth0");
    hostLocalAdd(conf, "keep", "net1");
    hostLocalAdd(conf, "gone", "eth0");
    await Deno.writeTextFile(`${dir}/cbr0/10.0.0.99`, "keep"); // old format, id only
    const released = hostLocalGC(dir, "cbr0", [
      { containerID: "keep", ifname: "eth0" },
    ]);
    assertEquals(released.map(String).sort(), ["10.0.0.3", "10.0.0.4"]);
    assert((await Deno.stat(`${dir}/cbr0/10.0.0.99`)).isFile);
  }));

Deno.test("hostLocalDel() without a store directory releases nothing and creates nothing", () =>
  withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/file`, "");
    const conf = (dataDir: string) =>
      loadIpamConfig(netconf(dataDir, [[{ subnet: "10.0.0.0/24" }]]), "");
    hostLocalDel(conf(`${dir}/missing`), "c", "eth0");
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["file"]);
    // Through a file: no ADD can ever allocate there, so a DEL must not fail on it either.
    for (const dataDir of [`${dir}/file`, `${dir}/file/x`]) {
      hostLocalDel(conf(dataDir), "c", "eth0");
      const msg = `mkdir ${dataDir}/cbr0: not a directory`;
      assertThrows(() => hostLocalAdd(conf(dataDir), "c", "eth0"), Error, msg);
    }
  }));

async function referenceAdd(dir: string, id: string): Promise<string> {
  const stdin = JSON.stringify(netconf(dir, [[{ subnet: "10.5.0.0/24" }]]));
  const r = await exec("env", [
    "CNI_COMMAND=ADD",
    `CNI_CONTAINERID=${id}`,
    "CNI_NETNS=/nonexistent",
    "CNI_IFNAME=eth0",
    "CNI_PATH=/usr/lib/cni",
    REFERENCE,
  ], stdin);
  if (r.code !== 0) throw new Error(`reference host-local failed: ${r.stdout}`);
  return JSON.parse(r.stdout).ips[0].address;
}

Deno.test({
  name: "hostLocalAdd() shares a store with the reference host-local running concurrently",
  ignore: !hasReference,
  fn: () =>
    withTempDir(async (dir) => {
      const conf = loadIpamConfig(netconf(dir, [[{ subnet: "10.5.0.0/24" }]]), "");
      const N = 24;
      // The reference processes start first; ours allocate while they run, under the same
      // flock (the sync lock blocks this thread the way a CNI process would wait).
      const theirs = Array.from({ length: N }, (_, i) => referenceAdd(dir, `ref-${i}`));
      const ours: string[] = [];
      for (let i = 0; i < N; i++) {
        ours.push(hostLocalAdd(conf, `ours-${i}`, "eth0").ips[0]!.address);
        await new Promise((r) => setTimeout(r, 2));
      }
      const all = [...ours, ...await Promise.all(theirs)];
      assertEquals(new Set(all).size, 2 * N, `duplicate addresses: ${all.sort().join(" ")}`);
      // Every file holds its owner; each owner has exactly one file.
      const owners = [...Deno.readDirSync(`${dir}/cbr0`)]
        .filter((e) => e.name.startsWith("10.5."))
        .map((e) => Deno.readTextFileSync(`${dir}/cbr0/${e.name}`));
      assertEquals(owners.length, 2 * N);
      assertEquals(new Set(owners).size, 2 * N);
    }),
});
