import { assertEquals } from "../../harness/assert.ts";
import { loadNetworkConfig, parseNetworkConfig } from "../../../mod/config/net_conf.ts";
import { parseCIDR } from "../../../mod/ip/mod.ts";
import {
  type LeaseContext,
  leaseName,
  leaseProblem,
  subnetProblem,
  type SubnetUse,
} from "../../../mod/lease/validate.ts";
import type { LeaseSubnets } from "../../../mod/lease/types.ts";

const V4 = loadNetworkConfig(`{"Network":"10.244.0.0/16"}`);
const DUAL = loadNetworkConfig(
  `{"Network":"10.244.0.0/16","EnableIPv6":true,"IPv6Network":"fd00:10::/48"}`,
);
/** Kube mode: net-conf.json is parsed only, SubnetLen 0 (store/kube.ts zeroes it). */
const KUBE = { ...parseNetworkConfig(`{"Network":"10.244.0.0/16"}`), subnetLen: 0 };

const subnets = (v4: string | null, v6: string | null = null): LeaseSubnets => ({
  subnet: v4 === null ? null : parseCIDR(v4),
  ipv6Subnet: v6 === null ? null : parseCIDR(v6),
});

Deno.test("subnetProblem() refuses what is not a subnet of the network", async (t) => {
  const cases: [string, typeof V4, string, SubnetUse, string | null][] = [
    ["a /24 of the Network", V4, "10.244.7.0/24", "program", null],
    ["the last /24", V4, "10.244.255.0/24", "program", null],
    [
      "the underlay",
      V4,
      "198.18.0.0/24",
      "program",
      'subnet "198.18.0.0/24" is not inside Network "10.244.0.0/16"',
    ],
    [
      "a /8 around the Network",
      V4,
      "10.0.0.0/8",
      "program",
      'subnet "10.0.0.0/8" is not inside Network "10.244.0.0/16"',
    ],
    [
      "half the internet",
      V4,
      "128.0.0.0/1",
      "program",
      'subnet "128.0.0.0/1" is not inside Network "10.244.0.0/16"',
    ],
    [
      "everything",
      V4,
      "0.0.0.0/0",
      "program",
      'subnet "0.0.0.0/0" is not inside Network "10.244.0.0/16"',
    ],
    [
      "the whole Network",
      V4,
      "10.244.0.0/16",
      "program",
      'subnet "10.244.0.0/16" is not a /24 (SubnetLen)',
    ],
    [
      "a /25 inside",
      V4,
      "10.244.7.128/25",
      "program",
      'subnet "10.244.7.128/25" is not a /24 (SubnetLen)',
    ],
    ["allocation: a /25 inside still counts", V4, "10.244.7.128/25", "allocate", null],
    ["allocation: a /20 inside still counts", V4, "10.244.16.0/20", "allocate", null],
    [
      "allocation: the whole Network does not",
      V4,
      "10.244.0.0/16",
      "allocate",
      'subnet "10.244.0.0/16" covers the whole Network "10.244.0.0/16"',
    ],
    [
      "allocation: outside does not",
      V4,
      "10.0.0.0/8",
      "allocate",
      'subnet "10.0.0.0/8" is not inside Network "10.244.0.0/16"',
    ],
    ["IPv6: a /64 of the IPv6Network", DUAL, "fd00:10:0:7::/64", "program", null],
    [
      "IPv6: the whole IPv6Network",
      DUAL,
      "fd00:10::/48",
      "program",
      'subnet "fd00:10::/48" is not a /64 (IPv6SubnetLen)',
    ],
    [
      "IPv6: outside",
      DUAL,
      "fd00:99::/64",
      "program",
      'subnet "fd00:99::/64" is not inside IPv6Network "fd00:10::/48"',
    ],
    [
      "IPv6 when only IPv4 is configured",
      V4,
      "fd00:10:0:7::/64",
      "program",
      'subnet "fd00:10:0:7::/64": IPv6 is not configured',
    ],
    ["kube: a /24 podCIDR", KUBE, "10.244.7.0/24", "program", null],
    ["kube: a /26 podCIDR (any length Kubernetes chose)", KUBE, "10.244.7.64/26", "program", null],
    [
      "kube: the whole Network",
      KUBE,
      "10.244.0.0/16",
      "program",
      'subnet "10.244.0.0/16" covers the whole Network "10.244.0.0/16"',
    ],
    [
      "kube: outside",
      KUBE,
      "10.245.0.0/24",
      "program",
      'subnet "10.245.0.0/24" is not inside Network "10.244.0.0/16"',
    ],
  ];
  for (const [name, config, cidr, use, want] of cases) {
    await t.step(name, () => assertEquals(subnetProblem(config, parseCIDR(cidr), use), want));
  }
});

Deno.test("leaseProblem() also keeps leases off the underlay and our own subnets", async (t) => {
  // A Network that holds the underlay: only the on-link rule keeps its route safe.
  const wide = loadNetworkConfig(`{"Network":"198.16.0.0/14","SubnetLen":24}`);
  const ctx = (config: typeof V4): LeaseContext => ({
    config,
    onLink: [parseCIDR("198.18.0.0/24"), parseCIDR("2001:db8:18::/64")],
    own: subnets("10.244.5.0/24", "fd00:10:0:5::/64"),
  });
  const cases: [string, LeaseContext, LeaseSubnets, string | null][] = [
    ["a peer", ctx(DUAL), subnets("10.244.7.0/24", "fd00:10:0:7::/64"), null],
    ["an IPv4-only peer in a dual-stack network", ctx(DUAL), subnets("10.244.7.0/24"), null],
    [
      "the underlay inside the Network",
      ctx(wide),
      subnets("198.18.0.0/24"),
      'subnet "198.18.0.0/24" overlaps "198.18.0.0/24" of the external interface',
    ],
    ["next to the underlay", ctx(wide), subnets("198.18.1.0/24"), null],
    [
      "our own IPv4 subnet under another IPv6 one",
      ctx(DUAL),
      subnets("10.244.5.0/24", "fd00:10:0:9::/64"),
      'subnet "10.244.5.0/24" overlaps our own subnet "10.244.5.0/24"',
    ],
    [
      "a bad IPv6 subnet fails the whole lease",
      ctx(DUAL),
      subnets("10.244.7.0/24", "fd00:10::/48"),
      'subnet "fd00:10::/48" is not a /64 (IPv6SubnetLen)',
    ],
    [
      "a family the config does not enable is not looked at",
      ctx(V4),
      subnets("10.244.7.0/24", "fd00:99::/64"),
      null,
    ],
    [
      "an outside subnet",
      ctx(V4),
      subnets("0.0.0.0/0"),
      'subnet "0.0.0.0/0" is not inside Network "10.244.0.0/16"',
    ],
  ];
  for (const [name, c, l, want] of cases) {
    await t.step(name, () => assertEquals(leaseProblem(l, c), want));
  }
});

Deno.test("leaseName() names a lease by its subnets", () => {
  assertEquals(leaseName(subnets("10.244.7.0/24")), "10.244.7.0/24");
  assertEquals(leaseName(subnets("10.244.7.0/24", "fd00::/64")), "10.244.7.0/24&fd00::/64");
  assertEquals(leaseName(subnets(null, "fd00::/64")), "fd00::/64");
});
