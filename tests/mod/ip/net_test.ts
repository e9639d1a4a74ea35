import { assert, assertEquals, assertThrows } from "../../harness/assert.ts";
import fc from "fast-check";
import { IPAddr, parseIP } from "../../../mod/ip/addr.ts";
import {
  IPNet,
  isPrivateIP,
  parseCIDR,
  parseCIDR4,
  parseCIDR6,
  parseCIDRWithHost,
} from "../../../mod/ip/net.ts";
import { ParseError } from "../../../mod/errors.ts";

Deno.test("parseCIDR() masks host bits (spec 2.1)", () => {
  assertEquals(parseCIDR("10.3.1.5/16").toString(), "10.3.0.0/16");
  assertEquals(parseCIDR("fc00:0:0:5::1/64").toString(), "fc00:0:0:5::/64");
  const { ip, net } = parseCIDRWithHost("10.5.72.1/24");
  assertEquals([ip.toString(), net.toString()], ["10.5.72.1", "10.5.72.0/24"]);
});

Deno.test("parseCIDR() refuses bad text", async (t) => {
  for (
    const bad of ["10.0.0.0/33", "fc00::/129", "", "10.0.0.0", "10.0.0.0/", "10.0.0.0/08", "x/8"]
  ) {
    await t.step(JSON.stringify(bad), () => {
      assertThrows(() => parseCIDR(bad), ParseError);
    });
  }
  assertThrows(() => parseCIDR4("2001:db8::/64"), ParseError);
  assertThrows(() => parseCIDR6("10.0.0.0/8"), ParseError);
});

Deno.test("IPNet overlap and containment vectors (spec 2.4)", () => {
  const n = parseCIDR("1.2.3.0/24");
  assert(n.overlaps(n));
  assert(n.overlaps(parseCIDR("1.2.0.0/16")));
  assert(!n.overlaps(parseCIDR("1.2.4.0/24")));
  assert(!n.overlaps(parseCIDR("7.2.4.0/22")));
  assert(n.contains(parseIP("1.2.3.0")));
  assert(n.contains(parseIP("1.2.3.4")));
  assert(!n.contains(parseIP("1.2.4.0")));
  const m = parseCIDR("fc00:1::/64");
  assert(m.overlaps(parseCIDR("fc00::/16")));
  assert(!m.overlaps(parseCIDR("fc00:2::/64")));
  assert(!m.overlaps(parseCIDR("fb00:2::/48")));
  assert(parseCIDR("::/0").isEmpty());
  assert(!parseCIDR("::/64").isEmpty());
  assert(parseCIDR("0.0.0.0/0").isEmpty());
});

Deno.test("IPNet increments the address (upstream IncrementIP)", () => {
  const a = parseCIDR("1.2.3.0/24");
  assertEquals(`${a.nth(1)}/${a.prefixLen}`, "1.2.3.1/24");
  const b = parseCIDR("fc00:1::/64");
  assertEquals(`${b.nth(1)}/${b.prefixLen}`, "fc00:1::1/64");
});

Deno.test("containsCIDR vectors (kube_test.go)", async (t) => {
  const cases: [string, string, boolean][] = [
    ["10.244.0.0/16", "10.244.0.0/16", true],
    ["10.244.0.0/16", "10.244.0.0/24", true],
    ["10.244.0.0/16", "10.244.255.0/24", true],
    ["10.244.0.0/16", "10.244.0.0/15", false],
    ["10.244.0.0/16", "192.168.0.0/24", false],
    ["2001:0db8:1234::/48", "2001:0db8:1234::/48", true],
    ["2001:0db8:1234::/48", "2001:0db8:1234::/64", true],
    ["2001:0db8:1234::/48", "2001:0db8:1234:ffff::/64", true],
    ["2001:0db8:1234::/48", "2001:0db8:1234::/47", false],
    ["2001:0db8:1234::/48", "fe02::/32", false],
  ];
  for (const [a, b, want] of cases) {
    await t.step(`${a} ⊇ ${b}`, () => assertEquals(parseCIDR(a).contains(parseCIDR(b)), want));
  }
});

Deno.test("isPrivateIP() vectors (spec 2.4)", () => {
  for (
    const p of [
      "192.168.0.1",
      "172.16.0.1",
      "172.31.0.1",
      "10.1.2.3",
      "fc00::1",
      "fcff::1",
      "fd00::1",
      "fdff::1",
    ]
  ) {
    assert(isPrivateIP(parseIP(p)), p);
  }
  for (const p of ["8.8.8.8", "172.32.0.1", "192.167.0.1", "192.169.0.1", "2001::", "fe00::"]) {
    assert(!isPrivateIP(parseIP(p)), p);
  }
});

Deno.test("IPNet.next() steps subnets and stops at the family's end", () => {
  assertEquals(parseCIDR("10.0.255.0/24").next()?.toString(), "10.1.0.0/24");
  assertEquals(parseCIDR("255.255.255.0/24").next(), null);
  assertEquals(parseCIDR("fc00:0:0:ffff::/64").next()?.toString(), "fc00:0:1::/64");
  assertEquals(parseCIDR("10.0.0.0/24").size, 256n);
  assertEquals(parseCIDR("10.0.0.0/24").last.toString(), "10.0.0.255");
  assertEquals(parseCIDR("10.0.0.0/24").mask.toString(), "255.255.255.0");
});

const net = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }))
    .map(([v, l]) => IPNet.of(IPAddr.of(4, BigInt(v)), l)),
  fc.tuple(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), fc.integer({ min: 0, max: 128 }))
    .map(([v, l]) => IPNet.of(IPAddr.of(6, v), l)),
);

Deno.test("property: CIDR format/parse round trip and containment laws", () => {
  fc.assert(fc.property(net, (n) => parseCIDR(n.toString()).equals(n)));
  fc.assert(fc.property(net, (n) => n.contains(n.ip) && n.contains(n.last) && n.contains(n)));
  fc.assert(fc.property(net, net, (a, b) => a.overlaps(b) === b.overlaps(a)));
  fc.assert(fc.property(net, net, (a, b) => !(a.contains(b) && b.contains(a)) || a.equals(b)));
  fc.assert(
    fc.property(net, (n) => {
      const nx = n.next();
      return nx === null || (!nx.overlaps(n) && nx.ip.value === n.last.value + 1n);
    }),
  );
});

Deno.test("isPrivateIP() agrees with containment in the parsed private networks", () => {
  const nets = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"].map(parseCIDR);
  const edges = ["9.255.255.255", "10.255.255.255", "11.0.0.0", "172.15.255.255", "172.31.255.255"]
    .concat(["192.168.255.255", "fbff:ffff::", "fe00::", "::ffff:10.0.0.1", "::a00:1"]);
  for (const text of edges) {
    const ip = parseIP(text);
    assertEquals(isPrivateIP(ip), nets.some((n) => n.contains(ip)), text);
  }
  fc.assert(
    fc.property(
      fc.oneof(
        fc.bigInt({ min: 0n, max: (1n << 32n) - 1n }).map((v) => IPAddr.of(4, v)),
        fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }).map((v) => IPAddr.of(6, v)),
      ),
      (ip) => isPrivateIP(ip) === nets.some((n) => n.contains(ip)),
    ),
  );
});
