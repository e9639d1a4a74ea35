import { assertEquals, assertThrows } from "../../harness/assert.ts";
import fc from "fast-check";
import {
  checkNetworkConfig,
  loadNetworkConfig,
  type NetworkConfig,
  parseNetworkConfig,
} from "../../../mod/config/net_conf.ts";
import { ConfigError, FlannelError, ParseError } from "../../../mod/errors.ts";

function summary(c: NetworkConfig) {
  return {
    network: c.network?.toString() ?? null,
    len: c.subnetLen,
    min: c.subnetMin?.toString() ?? null,
    max: c.subnetMax?.toString() ?? null,
  };
}
function summary6(c: NetworkConfig) {
  return {
    network: c.ipv6Network?.toString() ?? null,
    len: c.ipv6SubnetLen,
    min: c.ipv6SubnetMin?.toString() ?? null,
    max: c.ipv6SubnetMax?.toString() ?? null,
  };
}

Deno.test("loadNetworkConfig() fills IPv4 defaults (config_test.go and derived vectors)", async (t) => {
  const cases: [string, string, number, string, string][] = [
    ['{ "network": "10.3.0.0/16" }', "10.3.0.0/16", 24, "10.3.1.0", "10.3.255.0"],
    ['{"Network":"10.0.0.0/22"}', "10.0.0.0/22", 24, "10.0.1.0", "10.0.3.0"],
    ['{"Network":"10.0.0.0/23"}', "10.0.0.0/23", 25, "10.0.0.128", "10.0.1.128"],
    ['{"Network":"10.0.0.0/28"}', "10.0.0.0/28", 30, "10.0.0.4", "10.0.0.12"],
    ['{"Network":"10.0.0.0/16","SubnetLen":18}', "10.0.0.0/16", 18, "10.0.64.0", "10.0.192.0"],
    ['{"Network":"10.3.1.5/16"}', "10.3.0.0/16", 24, "10.3.1.0", "10.3.255.0"],
    ['{"NETWORK":"10.3.0.0/16","subnetlen":24}', "10.3.0.0/16", 24, "10.3.1.0", "10.3.255.0"],
  ];
  for (const [input, network, len, min, max] of cases) {
    await t.step(input, () => {
      assertEquals(summary(loadNetworkConfig(input)), { network, len, min, max });
    });
  }
});

Deno.test("loadNetworkConfig() fills IPv6 defaults", () => {
  const a = loadNetworkConfig(
    '{ "enableIPv6": true, "ipv6Network": "fc00::/48", "enableIPv4": false }',
  );
  assertEquals(summary6(a), {
    network: "fc00::/48",
    len: 64,
    min: "fc00:0:0:1::",
    max: "fc00:0:0:ffff::",
  });
  const b = loadNetworkConfig('{"EnableIPv4":false,"EnableIPv6":true,"IPv6Network":"fc00::/62"}');
  assertEquals(summary6(b), {
    network: "fc00::/62",
    len: 64,
    min: "fc00:0:0:1::",
    max: "fc00:0:0:3::",
  });
});

Deno.test("parseNetworkConfig() keeps overrides as given (ParseConfig only)", () => {
  const a = parseNetworkConfig(
    '{ "Network": "10.3.0.0/16", "SubnetMin": "10.3.5.0", "SubnetMax": "10.3.8.0", "SubnetLen": 28 }',
  );
  assertEquals(summary(a), { network: "10.3.0.0/16", len: 28, min: "10.3.5.0", max: "10.3.8.0" });
  const b = parseNetworkConfig(
    '{ "EnableIPv6": true, "IPv6Network": "fc00::/48", "IPv6SubnetMin": "fc00:0:0:1::", ' +
      '"IPv6SubnetMax": "fc00:0:0:f::", "IPv6SubnetLen": 124, "enableIPv4": false }',
  );
  assertEquals(summary6(b), {
    network: "fc00::/48",
    len: 124,
    min: "fc00:0:0:1::",
    max: "fc00:0:0:f::",
  });
});

Deno.test("loadNetworkConfig() reports upstream's validation messages", async (t) => {
  const cases: [string, string][] = [
    ['{"Network":"10.0.0.0/29"}', "network is too small. Minimum useful network prefix is /28"],
    ['{"Network":"10.0.0.0/16","SubnetLen":31}', "SubnetLen must be less than /31"],
    [
      '{"Network":"10.0.0.0/16","SubnetLen":17}',
      "network must be able to accommodate at least four subnets",
    ],
    [
      '{"Network":"10.0.0.0/16","SubnetMin":"10.1.0.0"}',
      "SubnetMin is not in the range of the Network",
    ],
    [
      '{"Network":"10.0.0.0/16","SubnetMax":"10.1.0.0"}',
      "SubnetMax is not in the range of the Network",
    ],
    [
      '{"Network":"10.0.0.0/16","SubnetMin":"10.0.1.1"}',
      "SubnetMin is not on a SubnetLen boundary: 10.0.1.1",
    ],
    ["{}", "please define a correct Network parameter in the flannel config"],
    ['{"Network":"0.0.0.0/0"}', "please define a correct Network parameter in the flannel config"],
    [
      '{"EnableIPv4":false,"EnableIPv6":true}',
      "please define a correct IPv6Network parameter in the flannel config",
    ],
    [
      '{"EnableIPv4":false,"EnableIPv6":true,"IPv6Network":"fc00::/125"}',
      "IPv6Network is too small. Minimum useful network prefix is /124",
    ],
    [
      '{"EnableIPv4":false,"EnableIPv6":true,"IPv6Network":"fc00::/48","IPv6SubnetLen":127}',
      "SubnetLen must be less than /127",
    ],
    [
      '{"EnableIPv4":false,"EnableIPv6":true,"IPv6Network":"fc00::/48","IPv6SubnetMin":"fc01::"}',
      "IPv6SubnetMin is not in the range of the IPv6Network",
    ],
    ['{"EnableIPv4":false}', "none defined stack"],
  ];
  for (const [input, msg] of cases) {
    await t.step(input, () => {
      const err = assertThrows(() => loadNetworkConfig(input), ConfigError);
      assertEquals(err.message, msg);
    });
  }
});

Deno.test("parseNetworkConfig() refuses malformed values with ParseError", async (t) => {
  const cases: [string, string][] = [
    ['{"Network":"2001:db8::/64"}', "must be an IPv4 CIDR"],
    ['{"Network":"10.0.0.0/8","Backend":"vxlan"}', "error decoding Backend property of config"],
    ['{"Network":"10.0.0.0/8","SubnetLen":"24"}', '"SubnetLen" must be a non-negative integer'],
    ['{"Network":"10.0.0.0/8","SubnetMin":"fc00::"}', '"SubnetMin" must be an IPv4 address'],
    ['{"Network":"10.0.0.0/8","SubnetMin":""}', '"SubnetMin" must be an IPv4 address'],
    ['{"Network":10}', '"Network" must be a string'],
    ["", "Invalid JSON"],
    ["[]", "must be a JSON object"],
  ];
  for (const [input, part] of cases) {
    await t.step(input || "(empty)", () => {
      assertThrows(() => parseNetworkConfig(input), ParseError, part);
    });
  }
});

Deno.test("parseNetworkConfig() reads the backend type and defaults to vxlan", () => {
  const a = parseNetworkConfig(
    '{"Network":"10.0.0.0/8","SubnetLen":24,"Backend":{"Type":"vxlan"}}',
  );
  assertEquals([a.backendType, a.backendDefaulted], ["vxlan", false]);
  const b = parseNetworkConfig('{"Network":"10.0.0.0/8"}');
  assertEquals([b.backendType, b.backendDefaulted], ["vxlan", true]);
  const c = parseNetworkConfig('{"Network":"10.0.0.0/8","backend":{"type":"HOST-GW","x":1}}');
  assertEquals([c.backendType, c.backend], ["HOST-GW", { type: "HOST-GW", x: 1 }]);
  const d = parseNetworkConfig('{"Network":"10.0.0.0/8","Backend":{}}');
  assertEquals(d.backendType, "");
});

Deno.test("checkNetworkConfig() does not change its input", () => {
  const parsed = parseNetworkConfig('{"Network":"10.3.0.0/16"}');
  checkNetworkConfig(parsed);
  assertEquals(parsed.subnetLen, 0);
});

Deno.test("property: fuzz seeds and random text end in a typed error or a config", () => {
  const seeds = [
    '{"Network":"10.0.0.0/8"}',
    '{"Network":"10.0.0.0/8","SubnetLen":24,"Backend":{"Type":"vxlan"}}',
    '{"EnableIPv6":true,"IPv6Network":"fc00::/48","Backend":{"Type":"host-gw"}}',
    '{"Network":"10.0.0.0/8","SubnetMin":"10.0.1.0","SubnetMax":"10.0.20.0"}',
    "",
    "{}",
  ];
  const text = fc.oneof(
    fc.constantFrom(...seeds),
    fc.string(),
    fc.json(),
    fc.dictionary(
      fc.constantFrom("Network", "SubnetLen", "SubnetMin", "EnableIPv6", "IPv6Network", "Backend"),
      fc.jsonValue(),
    ).map((o) => JSON.stringify(o)),
  );
  fc.assert(
    fc.property(text, (t) => {
      try {
        loadNetworkConfig(t);
        return true;
      } catch (e) {
        return e instanceof FlannelError;
      }
    }),
    { numRuns: 2000 },
  );
});
