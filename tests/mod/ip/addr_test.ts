import { assert, assertEquals, assertThrows } from "../../harness/assert.ts";
import fc from "fast-check";
import { IPAddr, parseIP, parseIP4, parseIP6, tryParseIP } from "../../../mod/ip/addr.ts";
import { ParseError } from "../../../mod/errors.ts";

Deno.test("parseIP() formats IPv6 as RFC 5952", async (t) => {
  const cases: [string, string][] = [
    ["fc00:0:0:1::", "fc00:0:0:1::"],
    ["FC00:0000:0000:0001:0000:0000:0000:0000", "fc00:0:0:1::"],
    ["::", "::"],
    ["::1", "::1"],
    ["1::", "1::"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"],
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
    ["::ffff:1.2.3.4", "::ffff:102:304"],
    ["fd00:12:13::", "fd00:12:13::"],
  ];
  for (const [input, want] of cases) {
    await t.step(input, () => assertEquals(parseIP(input).toString(), want));
  }
});

Deno.test("parseIP() rejects malformed text with a ParseError", async (t) => {
  for (
    const bad of [
      "",
      "1.2.3",
      "1.2.3.4.5",
      "256.1.1.1",
      "01.2.3.4",
      "1.2.3.4 ",
      "::1::",
      "1:2:3:4:5:6:7:8:9",
      "12345::",
      "fe80::1%eth0",
      "1.2.3.4/24",
      ":1:2",
      "1:2:3:4:5:6:7::8:9",
      "::1.2.3",
      "garbage",
    ]
  ) {
    await t.step(JSON.stringify(bad), () => {
      assertThrows(() => parseIP(bad), ParseError);
      assertEquals(tryParseIP(bad), null);
    });
  }
});

Deno.test("parseIP4() accepts IPv4-mapped text and refuses IPv6", () => {
  assertEquals(parseIP4("::ffff:10.1.2.3").toString(), "10.1.2.3");
  assertEquals(parseIP4("1.2.3.4").family, 4);
  assertThrows(() => parseIP4("2001:db8::1"), ParseError);
  assertThrows(() => parseIP6("1.2.3.4"), ParseError);
  assertEquals(parseIP6("fc00::1").toString(), "fc00::1");
});

Deno.test("IPAddr.add() steps across byte and family boundaries", () => {
  assertEquals(parseIP("1.2.3.255").add(1).toString(), "1.2.4.0");
  assertEquals(parseIP("fc00::ffff").add(1).toString(), "fc00::1:0");
  assertEquals(parseIP("0.0.0.1").add(-1).toString(), "0.0.0.0");
  assertThrows(() => parseIP("255.255.255.255").add(1), RangeError);
  assertThrows(() => parseIP("::").add(-1), RangeError);
});

Deno.test("IPAddr bytes round trip", () => {
  const ip = parseIP("198.18.0.7");
  assertEquals([...ip.toBytes()], [198, 18, 0, 7]);
  assert(IPAddr.fromBytes(ip.toBytes()).equals(ip));
  assertThrows(() => IPAddr.fromBytes(new Uint8Array(5)), ParseError);
});

const v4 = fc.integer({ min: 0, max: 0xffffffff }).map((n) => IPAddr.of(4, BigInt(n)));
const v6 = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }).map((n) => IPAddr.of(6, n));
const anyIP = fc.oneof(v4, v6, fc.constantFrom(IPAddr.zero(6), IPAddr.of(6, 1n)));

Deno.test("property: format then parse is the identity", () => {
  fc.assert(fc.property(anyIP, (ip) => parseIP(ip.toString()).equals(ip)));
  fc.assert(fc.property(anyIP, (ip) => IPAddr.fromBytes(ip.toBytes()).equals(ip)));
});

Deno.test("property: parseIP never throws anything but ParseError", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 50 }), (s) => {
      try {
        const ip = parseIP(s);
        return parseIP(ip.toString()).equals(ip);
      } catch (e) {
        return e instanceof ParseError;
      }
    }),
  );
});
