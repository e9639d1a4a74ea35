import { assertEquals } from "../../../harness/assert.ts";
import { goDecodeError } from "../../../../mod/cni/go_decode.ts";
import { HOST_LOCAL_NET } from "../../../../mod/cni/ipam/schema.ts";

Deno.test("host-local configs as the plugins write them decode", () => {
  const conf = {
    cniVersion: "1.0.0",
    name: "cbr0",
    ipam: {
      type: "host-local",
      dataDir: "/var/lib/cni/networks",
      ranges: [[{ subnet: "10.244.1.0/24", gateway: "10.244.1.1" }]],
      routes: [{ dst: "10.244.0.0/16" }],
    },
    runtimeConfig: { ips: ["10.244.1.7/24"] },
    args: { cni: { ips: ["10.244.1.8"] } },
  };
  assertEquals(goDecodeError(conf, HOST_LOCAL_NET), null);
});

Deno.test("a wrong JSON type is refused with encoding/json's message", () => {
  const cases: [unknown, string][] = [
    [
      { ipam: { dataDir: 5 } },
      "json: cannot unmarshal number into Go struct field IPAMConfig.ipam.dataDir of type string",
    ],
    [
      { ipam: { ranges: {} } },
      "json: cannot unmarshal object into Go struct field IPAMConfig.ipam.ranges of type []allocator.RangeSet",
    ],
    // types.Route has its own UnmarshalJSON: Go reports the outer field, as here.
    [
      { ipam: { routes: [{ dst: "10.0.0.0/8", mtu: "x" }] } },
      "json: cannot unmarshal string into Go struct field IPAMConfig.ipam.routes of type int",
    ],
    [
      { args: { cni: { ips: [1] } } },
      "json: cannot unmarshal number into Go struct field IPAMArgs.args.cni.ips of type *ip.IP",
    ],
  ];
  for (const [conf, want] of cases) assertEquals(goDecodeError(conf, HOST_LOCAL_NET), want);
});

Deno.test("addresses and prefixes are parsed as the Go types do", () => {
  assertEquals(
    goDecodeError({ ipam: { ranges: [[{ subnet: "nope" }]] } }, HOST_LOCAL_NET),
    "invalid CIDR address: nope",
  );
  assertEquals(
    goDecodeError({ ipam: { rangeStart: "1.2.3" } }, HOST_LOCAL_NET),
    "invalid IP address: 1.2.3",
  );
  assertEquals(
    goDecodeError({ runtimeConfig: { ips: ["zz"] } }, HOST_LOCAL_NET),
    "invalid IP address zz",
  );
});
