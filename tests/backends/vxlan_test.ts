import { assert, assertEquals, assertRejects, assertThrows } from "../harness/assert.ts";
import { FakeKernel } from "../harness/fake_kernel.ts";
import { lease } from "../harness/leases.ts";
import {
  parseVxlanConfig,
  vtepMac,
  vxlan,
  vxlanDeviceName,
  vxlanLeaseProblem,
  vxlanPlan,
} from "../../backends/vxlan.ts";
import { vxlanDataProblem } from "../../backends/vxlan_lease.ts";
import type { ExternalInterface, PrepareEnv } from "../../backends/contract.ts";
import { loadNetworkConfig } from "../../mod/config/net_conf.ts";
import { ConfigError, ParseError } from "../../mod/errors.ts";
import { parseCIDR, parseIP } from "../../mod/ip/mod.ts";
import { createLogger, silentLogger } from "../../mod/log.ts";
import { describeEntry } from "../../mod/reconcile/entries.ts";

const NO_HINTS = { macV4: null, macV6: null, publicIP: null, publicIPv6: null };

function iface(over: Partial<ExternalInterface> = {}): ExternalInterface {
  return {
    name: "eth0",
    index: 2,
    mtu: 1500,
    addr4: parseIP("198.18.0.1"),
    addr6: parseIP("2001:db8::1"),
    extAddr4: parseIP("198.18.0.1"),
    extAddr6: parseIP("2001:db8::1"),
    onLink: [parseCIDR("198.18.0.0/24"), parseCIDR("2001:db8::/64")],
    ...over,
  };
}

function env(config: string, over: Partial<PrepareEnv> = {}): PrepareEnv {
  return {
    config: loadNetworkConfig(config),
    iface: iface(),
    lease: null,
    hints: NO_HINTS,
    logger: silentLogger,
    ...over,
  };
}

const deps = (k: FakeKernel) => ({
  devices: k,
  randomBytes: (n: number) => new Uint8Array(n).fill(0xab),
});
const DUAL = `{"Network":"10.244.0.0/16","EnableIPv6":true,"IPv6Network":"fd00:10::/48",
  "Backend":{"Type":"vxlan"}}`;

Deno.test("parseVxlanConfig() reads Go-style keys with upstream defaults", async (t) => {
  await t.step("defaults", () => {
    assertEquals(parseVxlanConfig({ Type: "vxlan" }), {
      vni: 1,
      port: 0,
      gbp: false,
      learning: false,
      directRouting: false,
      mtu: 0,
    });
  });
  await t.step("case-insensitive keys, unknown keys ignored", () => {
    const c = parseVxlanConfig({
      vni: 7,
      PORT: 4789,
      gbp: true,
      learning: true,
      directrouting: true,
      mtu: 9000,
      MacPrefix: "0E-2A",
    });
    assertEquals(c, {
      vni: 7,
      port: 4789,
      gbp: true,
      learning: true,
      directRouting: true,
      mtu: 9000,
    });
  });
  await t.step("bad values are typed errors", () => {
    assertThrows(() => parseVxlanConfig({ VNI: "1" }), ParseError, '"VNI" must be');
    assertThrows(() => parseVxlanConfig({ VNI: 1 << 24 }), ConfigError, "exceeds");
    assertThrows(() => parseVxlanConfig({ Port: 70000 }), ConfigError, "not a UDP port");
    assertThrows(() => parseVxlanConfig({ GBP: "yes" }), ParseError, '"GBP" must be a boolean');
  });
});

Deno.test("vxlanDeviceName() names devices per family", () => {
  assertEquals(vxlanDeviceName(4, 1), "flannel.1");
  assertEquals(vxlanDeviceName(6, 42), "flannel-v6.42");
});

Deno.test("vtepMac() reads VtepMAC case-insensitively and refuses garbage", () => {
  assertEquals(vtepMac({ VNI: 1, VtepMAC: "C6:D2:32:6F:8F:44" }), "c6:d2:32:6f:8f:44");
  assertEquals(vtepMac({ vtepmac: "c6:d2:32:6f:8f:44" }), "c6:d2:32:6f:8f:44");
  assertEquals(vtepMac({ VtepMAC: "nope" }), null);
  assertEquals(vtepMac("c6:d2:32:6f:8f:44"), null);
  assertEquals(vtepMac(null), null);
});

const facts = {
  directRouting: false,
  iface: { name: "eth0", onLink: [parseCIDR("198.18.0.0/24")] },
  dev4: "flannel.1",
  dev6: "flannel-v6.1",
};
const peer = lease({
  subnet: "10.244.2.0/24",
  ipv6Subnet: "fd00:10:0:2::/64",
  publicIP: "198.18.0.2",
  publicIPv6: "2001:db8::2",
  backendData: { VNI: 1, VtepMAC: "aa:bb:cc:00:00:02" },
  backendV6Data: { VNI: 1, VtepMAC: "aa:bb:cc:00:06:02" },
});

Deno.test("vxlanPlan() gives a neighbour, an FDB entry and an onlink route per family", () => {
  assertEquals(vxlanPlan(facts, [peer]).map(describeEntry), [
    "neigh 10.244.2.0 lladdr aa:bb:cc:00:00:02 dev flannel.1",
    "fdb aa:bb:cc:00:00:02 dev flannel.1 dst 198.18.0.2",
    "route 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink",
    "neigh fd00:10:0:2:: lladdr aa:bb:cc:00:06:02 dev flannel-v6.1",
    "fdb aa:bb:cc:00:06:02 dev flannel-v6.1 dst 2001:db8::2",
    "route fd00:10:0:2::/64 via fd00:10:0:2:: dev flannel-v6.1 onlink",
  ]);
});

Deno.test("vxlanPlan() uses a plain route with DirectRouting for a peer on our segment", () => {
  const far = lease({
    subnet: "10.244.3.0/24",
    publicIP: "203.0.113.9",
    backendData: { VtepMAC: "aa:bb:cc:00:00:03" },
  });
  const got = vxlanPlan({ ...facts, directRouting: true, dev6: null }, [peer, far]);
  assertEquals(got.map(describeEntry), [
    "route 10.244.2.0/24 via 198.18.0.2 dev eth0",
    "neigh 10.244.3.0 lladdr aa:bb:cc:00:00:03 dev flannel.1",
    "fdb aa:bb:cc:00:00:03 dev flannel.1 dst 203.0.113.9",
    "route 10.244.3.0/24 via 10.244.3.0 dev flannel.1 onlink",
  ]);
});

Deno.test("vxlanPlan() skips other backend types, missing families and bad VTEP data", () => {
  const hostgw = lease({ subnet: "10.244.4.0/24", publicIP: "198.18.0.4", backendType: "host-gw" });
  const noMac = lease({ subnet: "10.244.5.0/24", publicIP: "198.18.0.5", backendData: { VNI: 1 } });
  const noIP = lease({ subnet: "10.244.6.0/24", backendData: { VtepMAC: "aa:bb:cc:00:00:06" } });
  assertEquals(vxlanPlan(facts, [hostgw, noMac, noIP]), []);
  // IPv4-only host: the peer's IPv6 half is ignored.
  assertEquals(vxlanPlan({ ...facts, dev6: null }, [peer]).length, 3);
});

Deno.test("vxlanDataProblem() says why backend data cannot be planned", async (t) => {
  const mac = "02:42:c6:12:00:63";
  const cases: [string, unknown, string | null][] = [
    ["upstream's data", { VNI: 1, VtepMAC: mac }, null],
    ["Go-style keys", { vni: 4096, vtepmac: mac.toUpperCase() }, null],
    ["no VNI (older upstream)", { VtepMAC: mac }, null],
    ["a null VNI (Go leaves zero)", { VNI: null, VtepMAC: mac }, null],
    ["a 24-bit VNI", { VNI: 0xffffff, VtepMAC: mac }, null],
    ["absent", undefined, "it has no BackendData"],
    ["a string", "str", 'BackendData "str" is not a JSON object'],
    ["an array", [mac], 'BackendData ["02:42:c6:12:00:63"] is not a JSON object'],
    [
      "VNI a string",
      { VNI: "x", VtepMAC: mac },
      'BackendData: VNI "x" is not a VXLAN network identifier',
    ],
    [
      "VNI negative",
      { VNI: -1, VtepMAC: mac },
      "BackendData: VNI -1 is not a VXLAN network identifier",
    ],
    [
      "VNI fractional",
      { VNI: 1.5, VtepMAC: mac },
      "BackendData: VNI 1.5 is not a VXLAN network identifier",
    ],
    [
      "VNI over 24 bits",
      { VNI: 0x1000000, VtepMAC: mac },
      "BackendData: VNI 16777216 is not a VXLAN network identifier",
    ],
    ["no VtepMAC", { VNI: 1 }, "BackendData has no VtepMAC"],
    ["VtepMAC null", { VNI: 1, VtepMAC: null }, "BackendData has no VtepMAC"],
    ["VtepMAC garbage", { VtepMAC: "zz" }, 'BackendData: VtepMAC "zz" is not a MAC address'],
    ["VtepMAC a number", { VtepMAC: 7 }, "BackendData: VtepMAC 7 is not a MAC address"],
    [
      "broadcast VtepMAC",
      { VtepMAC: "FF:FF:FF:FF:FF:FF" },
      'BackendData: VtepMAC "ff:ff:ff:ff:ff:ff" is a multicast or broadcast address',
    ],
    [
      "multicast VtepMAC",
      { VtepMAC: "01:00:5e:00:00:01" },
      'BackendData: VtepMAC "01:00:5e:00:00:01" is a multicast or broadcast address',
    ],
    [
      "all-zero VtepMAC",
      { VtepMAC: "00:00:00:00:00:00" },
      'BackendData: VtepMAC "00:00:00:00:00:00" is all zeros',
    ],
  ];
  for (const [name, data, want] of cases) {
    await t.step(name, () => assertEquals(vxlanDataProblem(data, "BackendData"), want));
  }
});

Deno.test("vxlanLeaseProblem() checks the families this host runs", () => {
  assertEquals(vxlanLeaseProblem(facts, peer), null);
  const bad6 = { ...peer, attrs: { ...peer.attrs, backendV6Data: { VtepMAC: "zz" } } };
  assertEquals(vxlanLeaseProblem(facts, bad6), 'BackendV6Data: VtepMAC "zz" is not a MAC address');
  // An IPv4-only host neither plans nor checks the IPv6 half.
  assertEquals(vxlanLeaseProblem({ ...facts, dev6: null }, bad6), null);
  const noIP = lease({ subnet: "10.244.6.0/24", backendData: { VtepMAC: "aa:bb:cc:00:00:06" } });
  assertEquals(vxlanLeaseProblem(facts, noIP), "it has no PublicIP");
  const v4only = lease({ subnet: "10.244.7.0/24", publicIP: "198.18.0.7", backendData: "str" });
  assertEquals(vxlanLeaseProblem(facts, v4only), 'BackendData "str" is not a JSON object');
});

Deno.test("vxlan.prepare() returns the lease check with the plan", async () => {
  const p = await vxlan.create(vxlan.parseConfig({}), deps(new FakeKernel())).prepare(env(DUAL));
  assertEquals(p.check?.(peer), null);
  const bcast = {
    ...peer,
    attrs: { ...peer.attrs, backendData: { VtepMAC: "ff:ff:ff:ff:ff:ff" } },
  };
  assertEquals(
    p.check?.(bcast),
    'BackendData: VtepMAC "ff:ff:ff:ff:ff:ff" is a multicast or broadcast address',
  );
});

Deno.test("vxlan.prepare() creates devices with MTU, MAC, addresses and lease attributes", async () => {
  const k = new FakeKernel();
  const b = vxlan.create(vxlan.parseConfig({ Type: "vxlan" }), deps(k));
  const own = lease({ subnet: "10.244.1.0/24", ipv6Subnet: "fd00:10:0:1::/64" });
  const p = await b.prepare(env(DUAL, { lease: own }));
  const v4 = k.links.get("flannel.1")!, v6 = k.links.get("flannel-v6.1")!;
  assertEquals([v4.mtu, v6.mtu], [1450, 1430]);
  assertEquals(p.mtu, 1430);
  assertEquals(v4.mac, "ab:ab:ab:ab:ab:ab".replace(/^ab/, "aa"));
  assertEquals(v4.vxlan?.local?.toString(), "198.18.0.1");
  assertEquals(v6.vxlan?.local?.toString(), "2001:db8::1");
  assertEquals(v4.vxlan?.link, 2);
  assert(v4.up && v6.up);
  assertEquals(k.addrs.get("flannel.1")!.map((a) => `${a.ip}/${a.prefixLen}`), ["10.244.1.0/32"]);
  assertEquals(k.addrs.get("flannel-v6.1")!.map((a) => `${a.ip}/${a.prefixLen}`), [
    "fd00:10:0:1::/128",
  ]);
  assertEquals(k.sysctls.get("ipv6/conf/flannel-v6.1/accept_ra"), "0");
  assertEquals(p.devices, ["flannel.1", "flannel-v6.1"]);
  assertEquals(p.attrs.backendType, "vxlan");
  assertEquals(p.attrs.backendData, { VNI: 1, VtepMAC: v4.mac });
  assertEquals(p.attrs.backendV6Data, { VNI: 1, VtepMAC: v6.mac });
  assertEquals(p.attrs.publicIP?.toString(), "198.18.0.1");
});

Deno.test("vxlan.prepare() honours the MTU option and an IPv4-only config", async () => {
  const k = new FakeKernel();
  const b = vxlan.create(vxlan.parseConfig({ MTU: 9000, VNI: 3 }), deps(k));
  const p = await b.prepare(env(`{"Network":"10.244.0.0/16"}`));
  assertEquals(p.mtu, 8950);
  assertEquals([...k.links.keys()], ["flannel.3"]);
  assertEquals(p.attrs.publicIPv6, null);
  assertEquals(p.attrs.backendV6Data, undefined);
});

Deno.test("vxlan.prepare() logs upstream's VXLAN config line once per run", async (t) => {
  const cases: [Record<string, unknown>, string][] = [
    [{}, "VXLAN config: VNI=1 Port=0 GBP=false Learning=false DirectRouting=false"],
    [
      { VNI: 42, Port: 4789, GBP: true, Learning: true, DirectRouting: true },
      "VXLAN config: VNI=42 Port=4789 GBP=true Learning=true DirectRouting=true",
    ],
  ];
  for (const [raw, want] of cases) {
    await t.step(want, async () => {
      const lines: string[] = [];
      const logger = createLogger({ write: (l) => lines.push(l), nowMicros: () => 0, pid: 1 });
      const b = vxlan.create(vxlan.parseConfig(raw), deps(new FakeKernel()));
      const leased = lease({ subnet: "10.244.1.0/24", ipv6Subnet: "fd00:10:0:1::/64" });
      await b.prepare(env(DUAL, { logger }));
      await b.prepare(env(DUAL, { logger, lease: leased })); // after acquisition
      await b.prepare(env(DUAL, { logger, lease: leased })); // a full pass
      const config = lines.filter((l) => l.includes("VXLAN config"));
      assertEquals(config.length, 1, lines.join("\n"));
      assert(config[0]!.trimEnd().endsWith(`] ${want}`), config[0]);
    });
  }
});

Deno.test("vxlan.prepare() reuses a compatible device and keeps its MAC across restarts", async () => {
  const k = new FakeKernel();
  const first = await vxlan.create(vxlan.parseConfig({}), deps(k)).prepare(env(DUAL));
  const mac = k.links.get("flannel.1")!.mac;
  const idx = k.links.get("flannel.1")!.index;
  // A new process: no in-memory MAC, other random bytes.
  const other = { devices: k, randomBytes: (n: number) => new Uint8Array(n).fill(0x11) };
  const again = await vxlan.create(vxlan.parseConfig({}), other).prepare(env(DUAL));
  assertEquals(k.links.get("flannel.1")!.index, idx);
  assertEquals(again.attrs.backendData, first.attrs.backendData);
  assertEquals((again.attrs.backendData as { VtepMAC: string }).VtepMAC, mac);
});

Deno.test("vxlan.prepare() recreates an incompatible device, keeping its MAC", async () => {
  const k = new FakeKernel();
  await vxlan.create(vxlan.parseConfig({ Port: 4789 }), deps(k)).prepare(env(DUAL));
  const old = k.links.get("flannel.1")!;
  await vxlan.create(vxlan.parseConfig({ Port: 8472 }), deps(k)).prepare(env(DUAL));
  const now = k.links.get("flannel.1")!;
  assert(now.index !== old.index, "device was recreated");
  assertEquals(now.vxlan?.port, 8472);
  assertEquals(now.mac, old.mac);
});

Deno.test("vxlan.prepare() remakes a deleted device with the MAC it published", async () => {
  const k = new FakeKernel();
  const b = vxlan.create(vxlan.parseConfig({}), deps(k));
  await b.prepare(env(DUAL));
  const mac = k.links.get("flannel.1")!.mac;
  await k.deleteLink("flannel.1");
  // Different random bytes now: the MAC must still be the published one.
  await b.prepare(env(DUAL));
  assertEquals(k.links.get("flannel.1")!.mac, mac);
});

Deno.test("vxlan.prepare() takes the stored MAC hint for a new device", async () => {
  const k = new FakeKernel();
  const hints = { ...NO_HINTS, macV4: "0E:11:22:33:44:55" };
  await vxlan.create(vxlan.parseConfig({}), deps(k)).prepare(env(DUAL, { hints }));
  assertEquals(k.links.get("flannel.1")!.mac, "0e:11:22:33:44:55");
});

Deno.test("vxlan.prepare() removes stray addresses inside the network, keeps others", async () => {
  const k = new FakeKernel();
  const b = vxlan.create(vxlan.parseConfig({}), deps(k));
  await b.prepare(env(DUAL));
  const a = (s: string, len: number) => ({ ip: parseIP(s), prefixLen: len });
  k.addrs.set("flannel.1", [a("10.244.9.0", 32), a("192.0.2.1", 32)]);
  k.addrs.set("flannel-v6.1", [a("fd00:10:0:9::", 128), a("fe80::1", 64)]);
  const own = lease({ subnet: "10.244.1.0/24", ipv6Subnet: "fd00:10:0:1::/64" });
  await b.prepare(env(DUAL, { lease: own }));
  const show = (d: string) => k.addrs.get(d)!.map((x) => `${x.ip}/${x.prefixLen}`).sort();
  assertEquals(show("flannel.1"), ["10.244.1.0/32", "192.0.2.1/32"]);
  assertEquals(show("flannel-v6.1"), ["fd00:10:0:1::/128", "fe80::1/64"]);
});

Deno.test("vxlan.prepare() refuses a lease without the enabled family", async () => {
  const k = new FakeKernel();
  const b = vxlan.create(vxlan.parseConfig({}), deps(k));
  await assertRejects(
    () => b.prepare(env(DUAL, { lease: lease({ subnet: "10.244.1.0/24" }) })),
    ConfigError,
    "failed to configure interface flannel-v6.1: IPv6 is enabled but the lease has no IPv6",
  );
});

Deno.test("vxlan.prepare() needs an address of each enabled family", async () => {
  const k = new FakeKernel();
  const b = vxlan.create(vxlan.parseConfig({}), deps(k));
  await assertRejects(
    () => b.prepare(env(DUAL, { iface: iface({ extAddr6: null, addr6: null }) })),
    ConfigError,
    'no IPv6 address on "eth0"',
  );
});
