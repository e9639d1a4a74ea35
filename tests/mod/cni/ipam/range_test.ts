import { assert, assertEquals, assertThrows } from "../../../harness/assert.ts";
import {
  canonicalRange,
  canonicalRangeSet,
  rangeContains,
  rangeFor,
  rangeSetsOverlap,
  rangeSetString,
} from "../../../../mod/cni/ipam/range.ts";
import { parseIP } from "../../../../mod/ip/mod.ts";

Deno.test("canonicalRange() fills defaults like host-local", () => {
  const r = canonicalRange({ subnet: "10.244.1.0/24" });
  assertEquals(
    [r.subnet.toString(), `${r.rangeStart}`, `${r.rangeEnd}`, `${r.gateway}`],
    ["10.244.1.0/24", "10.244.1.1", "10.244.1.254", "10.244.1.1"],
  );
  const v6 = canonicalRange({ subnet: "fc00::/64" });
  assertEquals([`${v6.rangeStart}`, `${v6.rangeEnd}`], ["fc00::1", "fc00::ffff:ffff:ffff:ffff"]);
  const custom = canonicalRange({
    subnet: "10.0.0.0/24",
    rangeStart: "10.0.0.10",
    rangeEnd: "10.0.0.20",
    gateway: "10.0.0.254",
  });
  assertEquals([`${custom.rangeStart}`, `${custom.rangeEnd}`, `${custom.gateway}`], [
    "10.0.0.10",
    "10.0.0.20",
    "10.0.0.254",
  ]);
  // Keys match case-insensitively, as Go's decoder does.
  assertEquals(`${canonicalRange({ Subnet: "10.0.0.0/30" }).rangeEnd}`, "10.0.0.2");
});

Deno.test("canonicalRange() refuses what host-local refuses", () => {
  assertThrows(
    () => canonicalRange({ subnet: "10.244.1.0/31" }),
    Error,
    "Network 10.244.1.0/31 too small to allocate from",
  );
  assertThrows(() => canonicalRange({ subnet: "10.244.1.0/32" }), Error, "too small");
  assertThrows(
    () => canonicalRange({ subnet: "10.244.1.5/24" }),
    Error,
    "Network has host bits set. For a subnet mask of length 24 the network address is 10.244.1.0",
  );
  assertThrows(() => canonicalRange({ subnet: "nope" }), Error, "invalid CIDR address: nope");
  assertThrows(() => canonicalRange({}), Error, "IP <nil> not v4 nor v6");
  assertThrows(
    () => canonicalRange({ subnet: "10.0.0.0/24", rangeStart: "10.0.1.1" }),
    Error,
    "RangeStart 10.0.1.1 not in network 10.0.0.0/24",
  );
  assertThrows(
    () => canonicalRange({ subnet: "10.0.0.0/24", rangeStart: "10.0.0.50", rangeEnd: "10.0.0.40" }),
    Error,
    "RangeEnd 10.0.0.40 not in network 10.0.0.0/24",
  );
});

Deno.test("range sets: one family, no overlap, membership and text", () => {
  assertThrows(() => canonicalRangeSet([]), Error, "empty range set");
  assertThrows(
    () => canonicalRangeSet([{ subnet: "10.0.0.0/24" }, { subnet: "fc00::/64" }]),
    Error,
    "mixed address families",
  );
  assertThrows(
    () => canonicalRangeSet([{ subnet: "10.0.0.0/24" }, { subnet: "10.0.0.0/25" }]),
    Error,
    "subnets 10.0.0.1-10.0.0.254 and 10.0.0.1-10.0.0.126 overlap",
  );
  const set = canonicalRangeSet([{ subnet: "10.0.0.0/30" }, { subnet: "10.0.1.0/30" }]);
  assertEquals(rangeSetString(set), "10.0.0.1-10.0.0.2,10.0.1.1-10.0.1.2");
  assertEquals(rangeFor(set, parseIP("10.0.1.2"))?.subnet.toString(), "10.0.1.0/30");
  assertEquals(rangeFor(set, parseIP("10.0.1.3")), null);
  assert(!rangeContains(set[0]!, parseIP("fc00::1")));
  assert(rangeSetsOverlap(set, canonicalRangeSet([{ subnet: "10.0.1.0/24" }])));
  assert(!rangeSetsOverlap(set, canonicalRangeSet([{ subnet: "fc00::/64" }])));
});
