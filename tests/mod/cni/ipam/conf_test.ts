import { assertEquals, assertThrows } from "../../../harness/assert.ts";
import { ConfigError } from "../../../../mod/errors.ts";
import { ipamStoreRef, loadIpamConfig, parseResolvConf } from "../../../../mod/cni/ipam/conf.ts";

const base = (ipam: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  cniVersion: "1.0.0",
  name: "cbr0",
  ipam: { type: "host-local", ...ipam },
  ...extra,
});

Deno.test("loadIpamConfig() reads flannel's delegate ipam", () => {
  const c = loadIpamConfig(
    base({
      ranges: [[{ subnet: "10.244.1.0/24" }], [{ subnet: "fc00::/64" }]],
      routes: [{ dst: "10.244.0.0/16" }, { dst: "fc00::/48" }],
    }),
    "IgnoreUnknown=1;K8S_POD_NAME=p",
  );
  assertEquals(c.name, "cbr0");
  assertEquals(c.dataDir, "/var/lib/cni/networks");
  assertEquals(c.ranges.map((s) => s[0]!.subnet.toString()), ["10.244.1.0/24", "fc00::/64"]);
  assertEquals(c.routes, [{ dst: "10.244.0.0/16" }, { dst: "fc00::/48" }]);
  assertEquals(c.requestedIPs, []);
});

Deno.test("loadIpamConfig() legacy range, runtime ranges and requested IPs", () => {
  const c = loadIpamConfig(
    base(
      { subnet: "10.1.0.0/24", ranges: [[{ subnet: "10.2.0.0/24" }]], dataDir: "/tmp/x" },
      {
        runtimeConfig: { ipRanges: [[{ subnet: "10.3.0.0/24" }]], ips: ["10.3.0.9/24"] },
        args: { cni: { ips: ["10.2.0.8"] } },
      },
    ),
    "IP=10.1.0.7",
  );
  assertEquals(c.ranges.map((s) => s[0]!.subnet.toString()), [
    "10.3.0.0/24",
    "10.1.0.0/24",
    "10.2.0.0/24",
  ]);
  assertEquals(c.requestedIPs.map(String), ["10.1.0.7", "10.2.0.8", "10.3.0.9"]);
  assertEquals(c.dataDir, "/tmp/x");
});

Deno.test("loadIpamConfig() errors like host-local", () => {
  assertThrows(
    () => loadIpamConfig({ name: "n" }, ""),
    Error,
    "IPAM config missing 'ipam' key",
  );
  assertThrows(() => loadIpamConfig(base({}), ""), Error, "no IP ranges specified");
  assertThrows(
    () => loadIpamConfig(base({ ranges: [[{ subnet: "10.0.0.0/31" }]] }), ""),
    Error,
    "invalid range set 0: Network 10.0.0.0/31 too small to allocate from",
  );
  assertThrows(
    () =>
      loadIpamConfig(
        base({ ranges: [[{ subnet: "10.0.0.0/24" }], [{ subnet: "10.0.0.0/25" }]] }),
        "",
      ),
    Error,
    "range set 0 overlaps with 1",
  );
  assertThrows(
    () =>
      loadIpamConfig(
        {
          ...base({ ranges: [[{ subnet: "10.0.0.0/24" }], [{ subnet: "10.1.0.0/24" }]] }),
          cniVersion: "0.2.0",
        },
        "",
      ),
    Error,
    "CNI version 0.2.0 does not support more than 1 address per family",
  );
  assertThrows(
    () => loadIpamConfig(base({ ranges: [[{ subnet: "10.0.0.0/24" }]] }), "K8S_POD_NAME=p"),
    Error,
    'ARGS: unknown args ["K8S_POD_NAME=p"]',
  );
});

/**
 * Wrong JSON types, each with the message /usr/lib/cni/host-local (1.1.1) answers for the same
 * config (`{"cniVersion":"1.0.0","name":"n","ipam":{"type":"host-local",<ranges>,...}}`),
 * observed. Before, most of these were accepted and coerced (a numeric `dataDir` silently
 * meant /var/lib/cni/networks).
 */
const WRONG_TYPES: [Record<string, unknown>, Record<string, unknown>, string][] = [
  [{ dataDir: 5 }, {}, "number into Go struct field IPAMConfig.ipam.dataDir of type string"],
  [{ resolvConf: true }, {}, "bool into Go struct field IPAMConfig.ipam.resolvConf of type string"],
  [{ type: 5 }, {}, "number into Go struct field IPAMConfig.ipam.type of type string"],
  [
    { routes: "x" },
    {},
    "string into Go struct field IPAMConfig.ipam.routes of type []*types.Route",
  ],
  [{ routes: [5] }, {}, "number into Go struct field IPAMConfig.ipam.routes of type types.route"],
  [
    { routes: [{ dst: 5 }] },
    {},
    "number into Go struct field IPAMConfig.ipam.routes of type string",
  ],
  [
    { routes: [{ dst: "1.2.3.0/24", gw: 5 }] },
    {},
    "number into Go struct field IPAMConfig.ipam.routes of type net.IP",
  ],
  [
    { ranges: "x" },
    {},
    "string into Go struct field IPAMConfig.ipam.ranges of type []allocator.RangeSet",
  ],
  [
    { ranges: [5] },
    {},
    "number into Go struct field IPAMConfig.ipam.ranges of type allocator.RangeSet",
  ],
  [
    { ranges: [[5]] },
    {},
    "number into Go struct field IPAMConfig.ipam.ranges of type allocator.Range",
  ],
  [
    { ranges: [[{ subnet: 5 }]] },
    {},
    "number into Go struct field Range.ipam.ranges.subnet of type string",
  ],
  [
    { ranges: [[{ subnet: "10.9.0.0/24", rangeStart: 5 }]] },
    {},
    "number into Go struct field Range.ipam.ranges.rangeStart of type net.IP",
  ],
  [
    { ranges: [[{ subnet: "10.9.0.0/24", gateway: 5 }]] },
    {},
    "number into Go struct field Range.ipam.ranges.gateway of type net.IP",
  ],
  [{ subnet: 5 }, {}, "number into Go struct field IPAMConfig.ipam.subnet of type string"],
  [
    { subnet: "10.9.0.0/24", gateway: 5 },
    {},
    "number into Go struct field IPAMConfig.ipam.gateway of type net.IP",
  ],
  [
    {},
    { runtimeConfig: { ipRanges: "x" } },
    "string into Go struct field .runtimeConfig.ipRanges of type []allocator.RangeSet",
  ],
  [
    {},
    { runtimeConfig: { ips: "x" } },
    "string into Go struct field .runtimeConfig.ips of type []*ip.IP",
  ],
  [
    {},
    { runtimeConfig: { ips: [5] } },
    "number into Go struct field .runtimeConfig.ips of type *ip.IP",
  ],
  [{}, { args: { cni: "x" } }, "string into Go struct field .args.cni of type allocator.IPAMArgs"],
  [
    {},
    { args: { cni: { ips: [5] } } },
    "number into Go struct field IPAMArgs.args.cni.ips of type *ip.IP",
  ],
];

Deno.test("loadIpamConfig() refuses wrong JSON types with host-local's messages", () => {
  const ranges = [[{ subnet: "10.9.0.0/24" }]];
  for (const [ipam, top, what] of WRONG_TYPES) {
    const conf = base({ ranges, ...ipam }, top);
    const err = assertThrows(() => loadIpamConfig(conf, ""), ConfigError);
    assertEquals(err.message, `json: cannot unmarshal ${what}`, JSON.stringify(conf));
  }
  // Text the parsers refuse, and the top-level kinds.
  const refuse = (conf: Record<string, unknown>, envArgs: string, msg: string) =>
    assertThrows(() => loadIpamConfig(conf, envArgs), Error, msg);
  refuse(base({ ranges }, { runtimeConfig: { ips: ["x"] } }), "", "invalid IP address x");
  refuse(base({ ranges }, { args: { cni: { ips: ["x"] } } }), "", "invalid IP address x");
  refuse(
    base({ ranges }),
    "IP=x",
    'ARGS: error parsing value of pair "IP=x": invalid IP address x',
  );
  refuse(base({ ranges: [[{ subnet: "x" }]] }), "", "invalid CIDR address: x");
  refuse(
    { name: "n", ipam: "x" },
    "",
    "json: cannot unmarshal string into Go struct field Net.ipam of type allocator.IPAMConfig",
  );
  refuse(
    base({ ranges }, { args: "x" }),
    "",
    'json: cannot unmarshal string into Go struct field Net.args of type struct { A *allocator.IPAMArgs "json:\\"cni\\"" }',
  );
  // null is Go's zero value: accepted.
  const ok = loadIpamConfig(base({ ranges, dataDir: null, routes: null }, { args: null }), "");
  assertEquals([ok.dataDir, ok.routes], ["/var/lib/cni/networks", []]);
});

Deno.test("ipamStoreRef() finds the store for DEL leniently", () => {
  assertEquals(ipamStoreRef(base({ dataDir: "/d", ranges: [[{ subnet: "10.9.0.0/31" }], []] })), {
    name: "cbr0",
    dataDir: "/d",
    rangeSets: 2,
  });
  // A wrong-typed dataDir is where an ADD that accepted it allocated: the default.
  assertEquals(ipamStoreRef(base({ dataDir: 5, ranges: "x" })), {
    name: "cbr0",
    dataDir: "/var/lib/cni/networks",
    rangeSets: 1,
  });
  assertEquals(ipamStoreRef({ name: 7, ipam: "x" }).name, "");
  assertEquals(
    ipamStoreRef(base({ subnet: "10.0.0.0/24" }, { runtimeConfig: { ipRanges: [[]] } })).rangeSets,
    2,
  );
});

Deno.test("parseResolvConf() reads nameserver, domain, search, options", async () => {
  const f = await Deno.makeTempFile();
  try {
    await Deno.writeTextFile(
      f,
      "# c\nnameserver 10.96.0.10\nnameserver 8.8.8.8\ndomain cluster.local\nsearch a b\n; x\noptions ndots:5\nbogus\n",
    );
    assertEquals(parseResolvConf(f), {
      nameservers: ["10.96.0.10", "8.8.8.8"],
      domain: "cluster.local",
      search: ["a", "b"],
      options: ["ndots:5"],
    });
  } finally {
    await Deno.remove(f);
  }
});
