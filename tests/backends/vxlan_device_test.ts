import { assertEquals } from "../harness/assert.ts";
import { incompatibility, parseMac, randomMac } from "../../backends/vxlan_device.ts";
import type { LinkInfo, VxlanSpec } from "../../mod/agent/backend.ts";
import { parseIP } from "../../mod/ip/mod.ts";

const spec: VxlanSpec = {
  name: "flannel.1",
  vni: 1,
  link: 2,
  local: parseIP("198.18.0.1"),
  port: 0,
  gbp: false,
  learning: false,
  l2miss: false,
  l3miss: false,
  mtu: 1450,
  mac: "",
};
const link: LinkInfo = {
  index: 5,
  name: "flannel.1",
  kind: "vxlan",
  mtu: 1400,
  mac: "0e:00:00:00:00:01",
  up: true,
  vxlan: {
    vni: 1,
    link: 2,
    local: parseIP("198.18.0.1"),
    port: 8472,
    gbp: false,
    learning: false,
    l2miss: false,
    l3miss: false,
  },
};

Deno.test("parseMac() normalises case and refuses other text", () => {
  assertEquals(parseMac("0E:AA:bb:01:02:03"), "0e:aa:bb:01:02:03");
  assertEquals(parseMac("0e-aa-bb-01-02-03"), null);
  assertEquals(parseMac("0e:aa:bb:01:02"), null);
});

Deno.test("randomMac() makes a locally administered unicast MAC", () => {
  assertEquals(randomMac((n) => new Uint8Array(n).fill(0xff)), "fe:ff:ff:ff:ff:ff");
  assertEquals(randomMac((n) => new Uint8Array(n)), "02:00:00:00:00:00");
});

Deno.test("incompatibility() follows upstream's rules plus learning, misses and MAC", async (t) => {
  const cases: [string, Partial<LinkInfo>, Partial<VxlanSpec>, string | null][] = [
    ["same device", {}, {}, null],
    ["MTU differs: still compatible", { mtu: 1500 }, {}, null],
    ["port unset in the spec: any port", {}, { port: 0 }, null],
    ["underlay unset on one side", { vxlan: { ...link.vxlan!, link: 0 } }, {}, null],
    ["other kind", { kind: "bridge" }, {}, 'type is "bridge", not "vxlan"'],
    ["other VNI", {}, { vni: 2 }, "VNI 1 differs from 2"],
    ["other underlay", {}, { link: 3 }, "underlay ifindex 2 differs from 3"],
    [
      "other local",
      {},
      { local: parseIP("198.18.0.9") },
      "local address 198.18.0.1 differs from 198.18.0.9",
    ],
    ["other port", {}, { port: 4789 }, "port 8472 differs from 4789"],
    ["GBP", {}, { gbp: true }, "GBP false differs from true"],
    ["learning", {}, { learning: true }, "learning false differs from true"],
    ["l3miss", { vxlan: { ...link.vxlan!, l3miss: true } }, {}, "L2MISS/L3MISS are set"],
    [
      "MAC",
      {},
      { mac: "0e:00:00:00:00:02" },
      "MAC 0e:00:00:00:00:01 differs from 0e:00:00:00:00:02",
    ],
  ];
  for (const [name, l, s, want] of cases) {
    await t.step(
      name,
      () => assertEquals(incompatibility({ ...link, ...l }, { ...spec, ...s }), want),
    );
  }
});
