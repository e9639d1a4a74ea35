import { assertEquals } from "../../harness/assert.ts";
import { sameSubnets } from "../../../mod/lease/types.ts";
import { parseCIDR } from "../../../mod/ip/mod.ts";

const v4 = (s: string) => parseCIDR(s);

Deno.test("sameSubnets() compares both families, null equal to null", () => {
  const a = { subnet: v4("10.5.1.0/24"), ipv6Subnet: null };
  assertEquals(sameSubnets(a, { subnet: v4("10.5.1.0/24"), ipv6Subnet: null }), true);
  assertEquals(sameSubnets(a, { subnet: v4("10.5.2.0/24"), ipv6Subnet: null }), false);
  assertEquals(sameSubnets(a, { subnet: v4("10.5.1.0/25"), ipv6Subnet: null }), false);
  const d = { subnet: v4("10.5.1.0/24"), ipv6Subnet: v4("fc00::/64") };
  assertEquals(sameSubnets(d, a), false);
  assertEquals(sameSubnets(d, { subnet: v4("10.5.1.0/24"), ipv6Subnet: v4("fc00::/64") }), true);
  assertEquals(
    sameSubnets({ subnet: null, ipv6Subnet: v4("fc00::/64") }, {
      subnet: null,
      ipv6Subnet: v4("fc00::/64"),
    }),
    true,
  );
});
