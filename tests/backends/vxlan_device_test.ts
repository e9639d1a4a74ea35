import { assertEquals } from "../harness/assert.ts";
import { incompatibility, parseMac, randomMac } from "../../backends/vxlan_device.ts";
import type { LinkInfo, VxlanSpec } from "../../backends/contract.ts";
import { parseIP } from "../../mod/ip/mod.ts";
import { flannel1Link, flannel1Spec } from "../harness/vxlan_fixtures.ts";

const spec = flannel1Spec({ mac: "" });
const link = flannel1Link({ mtu: 1400 });

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
