import { assertEquals, assertThrows } from "../../harness/assert.ts";
import fc from "fast-check";
import { decodeLeaseAttrs, encodeLeaseAttrs } from "../../../mod/lease/value.ts";
import { FlannelError, ParseError } from "../../../mod/errors.ts";
import { parseIP } from "../../../mod/ip/mod.ts";

Deno.test("encodeLeaseAttrs() writes upstream's bytes (registry_test.go, docs)", () => {
  assertEquals(
    encodeLeaseAttrs({ publicIP: parseIP("1.2.3.4"), publicIPv6: null, backendType: "" }),
    '{"PublicIP":"1.2.3.4","PublicIPv6":null}',
  );
  assertEquals(
    encodeLeaseAttrs({
      publicIP: parseIP("192.168.64.3"),
      publicIPv6: null,
      backendType: "vxlan",
      backendData: { VNI: 1, VtepMAC: "c6:d2:32:6f:8f:44" },
    }),
    '{"PublicIP":"192.168.64.3","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"c6:d2:32:6f:8f:44"}}',
  );
  assertEquals(
    encodeLeaseAttrs({
      publicIP: null,
      publicIPv6: parseIP("fc00::1"),
      backendType: "host-gw",
      backendV6Data: null,
    }),
    '{"PublicIP":"0.0.0.0","PublicIPv6":"fc00::1","BackendType":"host-gw","BackendV6Data":null}',
  );
});

Deno.test("decodeLeaseAttrs() reads upstream values and round-trips them", async (t) => {
  for (
    const text of [
      '{"PublicIP":"1.2.3.4","PublicIPv6":null}',
      '{"PublicIP":"192.168.64.3","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"c6:d2:32:6f:8f:44"}}',
      '{"PublicIP":"10.0.0.1","PublicIPv6":"fc00::1","BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"aa:bb:cc:dd:ee:ff"},"BackendV6Data":{"VNI":1,"VtepMAC":"aa:bb:cc:dd:ee:fe"}}',
    ]
  ) {
    await t.step(text, () => assertEquals(encodeLeaseAttrs(decodeLeaseAttrs(text)), text));
  }
  const a = decodeLeaseAttrs('{"publicip":"::ffff:1.2.3.4","BackendType":"vxlan"}');
  assertEquals([a.publicIP?.toString(), a.publicIPv6, a.backendType], ["1.2.3.4", null, "vxlan"]);
  assertEquals(decodeLeaseAttrs('{"PublicIP":"0.0.0.0"}').publicIP, null);
});

Deno.test("decodeLeaseAttrs() refuses garbage with a ParseError (FuzzKvToIPLease seeds)", async (t) => {
  for (
    const bad of [
      '{"PublicIP":"2001:db8::1"}',
      "not json",
      "",
      "[1]",
      '{"PublicIPv6":"1.2.3.4"}',
      '{"BackendType":5}',
    ]
  ) {
    await t.step(bad || "(empty)", () => {
      assertThrows(() => decodeLeaseAttrs(bad), ParseError);
    });
  }
});

Deno.test("property: random lease values end in attrs or a typed error", () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.json()), (s) => {
      try {
        decodeLeaseAttrs(s);
        return true;
      } catch (e) {
        return e instanceof FlannelError;
      }
    }),
    { numRuns: 2000 },
  );
});
