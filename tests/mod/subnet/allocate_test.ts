import { assert, assertEquals, assertThrows } from "../../harness/assert.ts";
import fc from "fast-check";
import {
  allocateSubnets,
  countedSubnets,
  familyRange,
  freeSubnets,
  isCompatible,
  MAX_CANDIDATES,
  overlapsAny,
} from "../../../mod/subnet/allocate.ts";
import { OutOfSubnetsError } from "../../../mod/subnet/manager.ts";
import { loadNetworkConfig } from "../../../mod/config/net_conf.ts";
import { IPAddr, IPNet, parseCIDR } from "../../../mod/ip/mod.ts";
import type { LeaseSubnets } from "../../../mod/lease/types.ts";

// subnet_test.go's config.
const CONFIG = loadNetworkConfig(
  '{ "Network": "10.3.0.0/16", "SubnetMin": "10.3.1.0", "SubnetMax": "10.3.25.0" }',
);
const DUAL = loadNetworkConfig(
  '{ "Network": "10.3.0.0/16", "EnableIPv6": true, "IPv6Network": "fd00:3::/56" }',
);
const sn = (v4: string | null, v6: string | null = null): LeaseSubnets => ({
  subnet: v4 === null ? null : parseCIDR(v4),
  ipv6Subnet: v6 === null ? null : parseCIDR(v6),
});

Deno.test("isCompatible() checks range, length and families (isSubnetConfigCompat)", async (t) => {
  const cases: [string, LeaseSubnets, boolean][] = [
    ["in range", sn("10.3.6.0/24"), true],
    ["SubnetMin itself", sn("10.3.1.0/24"), true],
    ["SubnetMax itself", sn("10.3.25.0/24"), true],
    ["below SubnetMin", sn("10.3.0.0/24"), false],
    ["above SubnetMax", sn("10.3.31.0/24"), false],
    ["outside the network (previous subnet 10.4.1.0/24)", sn("10.4.1.0/24"), false],
    ["wrong length", sn("10.3.6.0/25"), false],
    ["IPv6 part while IPv6 is disabled", sn("10.3.6.0/24", "fd00:3::/64"), false],
  ];
  for (const [name, s, want] of cases) {
    await t.step(name, () => assertEquals(isCompatible(CONFIG, s), want));
  }
  await t.step("dual-stack needs both parts in range", () => {
    assertEquals(isCompatible(DUAL, sn("10.3.6.0/24", "fd00:3:0:5::/64")), true);
    assertEquals(isCompatible(DUAL, sn("10.3.6.0/24")), false);
    assertEquals(isCompatible(DUAL, sn("10.3.6.0/24", "fd00:4::/64")), false);
  });
});

Deno.test("freeSubnets() walks from SubnetMin, skips overlaps, stops at the limit", () => {
  const range = familyRange(CONFIG, 4)!;
  // subnet_test.go's existing leases: 10.3.1/2/4/5.0/24 and 10.3.31.0/24.
  const taken = ["10.3.1.0/24", "10.3.2.0/24", "10.3.4.0/24", "10.3.5.0/24", "10.3.31.0/24"]
    .map(parseCIDR);
  const free = freeSubnets(range, taken).map(String);
  assertEquals(free.length, 21);
  assertEquals(free.slice(0, 3), ["10.3.3.0/24", "10.3.6.0/24", "10.3.7.0/24"]);
  assertEquals(free.at(-1), "10.3.25.0/24");
  assertEquals(freeSubnets(range, taken, 2).map(String), ["10.3.3.0/24", "10.3.6.0/24"]);
  // A bigger block taken (someone else's /20) hides every /24 inside it.
  assertEquals(freeSubnets(range, [parseCIDR("10.3.0.0/20")], 1).map(String), ["10.3.16.0/24"]);
});

Deno.test("freeSubnets() caps at 100 candidates and handles huge IPv6 ranges", () => {
  const cfg = loadNetworkConfig(
    '{ "Network": "10.0.0.0/8", "EnableIPv6": true, "IPv6Network": "fd00::/32" }',
  );
  assertEquals(freeSubnets(familyRange(cfg, 4)!, []).length, MAX_CANDIDATES);
  const v6 = freeSubnets(familyRange(cfg, 6)!, [parseCIDR("fd00::/40")]);
  assertEquals(v6.length, MAX_CANDIDATES);
  assertEquals(String(v6[0]), "fd00:0:100::/64");
});

Deno.test("freeSubnets() agrees with a naive overlap scan (property)", () => {
  const cfg = loadNetworkConfig('{ "Network": "10.3.0.0/20", "SubnetLen": 24 }');
  const range = familyRange(cfg, 4)!;
  const arbNet = fc.tuple(fc.integer({ min: 0, max: 4095 }), fc.integer({ min: 20, max: 28 }))
    .map(([off, len]) => IPNet.of(IPAddr.of(4, 0x0a030000n + BigInt(off) * 16n), len));
  fc.assert(fc.property(fc.array(arbNet, { maxLength: 12 }), (taken) => {
    const naive: string[] = [];
    for (let v = range.min.value; v <= range.max.value; v += 256n) {
      const c = IPNet.of(IPAddr.of(4, v), 24);
      if (!taken.some((t) => t.overlaps(c))) naive.push(String(c));
    }
    assertEquals(freeSubnets(range, taken).map(String), naive);
  }));
});

Deno.test("allocateSubnets() picks uniformly through the injected RNG, both families", () => {
  const taken = [sn("10.3.1.0/24"), sn("10.3.2.0/24")];
  assertEquals(String(allocateSubnets(CONFIG, taken, () => 0).subnet), "10.3.3.0/24");
  assertEquals(String(allocateSubnets(CONFIG, taken, () => 0.9999).subnet), "10.3.25.0/24");
  const d = allocateSubnets(DUAL, [sn("10.3.1.0/24", "fd00:3:0:1::/64")], () => 0);
  assertEquals([String(d.subnet), String(d.ipv6Subnet)], ["10.3.2.0/24", "fd00:3:0:2::/64"]);
  assert(overlapsAny(sn("10.3.0.0/16"), taken));
  assert(!overlapsAny(sn("10.3.9.0/24"), taken));
});

Deno.test("allocateSubnets() throws OutOfSubnetsError when the range is full", () => {
  const cfg = loadNetworkConfig('{ "Network": "10.3.0.0/22", "SubnetLen": 24 }');
  const all = ["10.3.1.0/24", "10.3.2.0/24", "10.3.3.0/24"].map((s) => sn(s));
  assertEquals(String(allocateSubnets(cfg, all.slice(1), () => 0.5).subnet), "10.3.1.0/24");
  const err = assertThrows(() => allocateSubnets(cfg, all, Math.random), OutOfSubnetsError);
  assertEquals(
    err.message,
    "out of subnets: every subnet in 10.3.1.0/24 ... 10.3.3.0/24 is leased",
  );
});

Deno.test("countedSubnets() drops subnets outside or as large as the network, per family", () => {
  const { taken, ignored } = countedSubnets(DUAL, [
    sn("10.3.6.0/24", "fd00:3:0:6::/64"),
    sn("10.3.0.0/16", "fd00:3:0:7::/64"),
    sn("10.3.8.0/24", "fd00:99::/64"),
    sn("10.3.9.128/25"),
  ]);
  assertEquals(taken.map((t) => `${t.subnet} ${t.ipv6Subnet}`), [
    "10.3.6.0/24 fd00:3:0:6::/64",
    "null fd00:3:0:7::/64",
    "10.3.8.0/24 null",
    "10.3.9.128/25 null",
  ]);
  assertEquals(ignored, [
    {
      lease: "10.3.0.0/16&fd00:3:0:7::/64",
      reason: 'subnet "10.3.0.0/16" covers the whole Network "10.3.0.0/16"',
    },
    {
      lease: "10.3.8.0/24&fd00:99::/64",
      reason: 'subnet "fd00:99::/64" is not inside IPv6Network "fd00:3::/56"',
    },
  ]);
  // With the whole-Network lease dropped, allocation finds room again.
  assertEquals(String(allocateSubnets(DUAL, taken, () => 0).subnet), "10.3.1.0/24");
});
