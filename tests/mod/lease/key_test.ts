import { assertEquals, assertThrows } from "../../harness/assert.ts";
import fc from "fast-check";
import { parseSubnetKey, subnetKey, tryParseSubnetKey } from "../../../mod/lease/key.ts";
import { ParseError } from "../../../mod/errors.ts";
import { parseCIDR } from "../../../mod/ip/mod.ts";

Deno.test("parseSubnetKey() reads IPv4 and dual-stack keys and re-encodes them (subnet_test.go)", () => {
  const a = parseSubnetKey("10.12.13.0-24");
  assertEquals([a.subnet?.toString(), a.ipv6Subnet], ["10.12.13.0/24", null]);
  assertEquals(subnetKey(a), "10.12.13.0-24");
  const b = parseSubnetKey("10.12.13.0-24&fd00:12:13::-56");
  assertEquals([b.subnet?.toString(), b.ipv6Subnet?.toString()], [
    "10.12.13.0/24",
    "fd00:12:13::/56",
  ]);
  assertEquals(subnetKey(b), "10.12.13.0-24&fd00:12:13::-56");
  assertEquals(
    parseSubnetKey("/coreos.com/network/subnets/10.5.52.0-24").subnet?.toString(),
    "10.5.52.0/24",
  );
});

Deno.test("parseSubnetKey() refuses invalid keys (subnet_test.go and fuzz seeds)", async (t) => {
  for (
    const bad of [
      "10",
      "10.12.13.0",
      "10.12.13-24",
      "10.12.13.300-24",
      "10.12.13.0-24hi",
      "&2001::-56",
      "10.12.13.0-24&:12:13:-56",
      "10.12.13.0-24&20011::-56",
      "10.12.13.0-24&2001-56",
      "10.12.13.0-24&2001::",
      "10.12.13.0-24&2001::-56hi",
      "10.12.13.0-24&FD00::-56",
      "255.255.255.255-32",
      "10.5.1.0-33",
      "10.5.1.7-24",
      "10.5.1.0-24&fc00::-128",
      "garbage",
      "",
    ]
  ) {
    await t.step(JSON.stringify(bad), () => {
      assertEquals(tryParseSubnetKey(bad), null);
      assertThrows(() => parseSubnetKey(bad), ParseError);
    });
  }
});

Deno.test("subnetKey() needs an IPv4 subnet", () => {
  assertThrows(() => subnetKey({ subnet: null, ipv6Subnet: parseCIDR("fc00::/64") }), ParseError);
});

Deno.test("property: subnetKey/parseSubnetKey round trip; random keys never crash", () => {
  const v4 = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 31 }))
    .map(([v, l]) =>
      parseCIDR(`${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}/${l}`)
    );
  fc.assert(
    fc.property(v4, (n) =>
      subnetKey(parseSubnetKey(subnetKey({ subnet: n, ipv6Subnet: null }))) ===
        subnetKey({ subnet: n, ipv6Subnet: null })),
  );
  fc.assert(fc.property(fc.string(), (s) => {
    const r = tryParseSubnetKey(s);
    return r === null || subnetKey(r).length > 0;
  }));
});
