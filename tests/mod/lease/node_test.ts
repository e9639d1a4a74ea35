import { assert, assertEquals, assertThrows } from "../../harness/assert.ts";
import fc from "fast-check";
import { annotationNames } from "../../../mod/lease/annotations.ts";
import {
  isManaged,
  type KubeNode,
  leaseChanged,
  NodeLeaseError,
  nodeToLease,
  podCIDRs,
} from "../../../mod/lease/node.ts";

const names = annotationNames();
const P = "flannel.alpha.coreos.com/";
const V4 = { enableIPv4: true, enableIPv6: false };
const V6 = { enableIPv4: false, enableIPv6: true };
const DUAL = { enableIPv4: true, enableIPv6: true };

function node(ann: Record<string, string>, spec: KubeNode["spec"] = {}): KubeNode {
  return { metadata: { name: "n1", annotations: ann }, spec };
}

const vxlan = node({
  [P + "kube-subnet-manager"]: "true",
  [P + "backend-type"]: "vxlan",
  [P + "backend-data"]: '{"VNI":1,"VtepMAC":"12:c6:65:89:b4:e3"}',
  [P + "public-ip"]: "198.18.0.1",
  [P + "backend-v6-data"]: '{"VNI":1,"VtepMAC":"12:c6:65:89:b4:e4"}',
  [P + "public-ipv6"]: "fc00::1",
}, { podCIDR: "10.244.1.0/24", podCIDRs: ["10.244.1.0/24", "fd00:1::/64"] });

Deno.test("nodeToLease() reads an IPv4 vxlan node", () => {
  const l = nodeToLease(vxlan, names, V4);
  assertEquals(l.subnet?.toString(), "10.244.1.0/24");
  assertEquals(l.ipv6Subnet, null);
  assertEquals(l.attrs.publicIP?.toString(), "198.18.0.1");
  assertEquals(l.attrs.publicIPv6, null);
  assertEquals(l.attrs.backendType, "vxlan");
  assertEquals(l.attrs.backendData, { VNI: 1, VtepMAC: "12:c6:65:89:b4:e3" });
  assertEquals(l.attrs.backendV6Data, undefined);
  assertEquals(l.expiration, null);
});

Deno.test("nodeToLease() reads dual-stack and IPv6-only nodes", () => {
  const d = nodeToLease(vxlan, names, DUAL);
  assertEquals([d.subnet?.toString(), d.ipv6Subnet?.toString()], ["10.244.1.0/24", "fd00:1::/64"]);
  assertEquals(d.attrs.publicIPv6?.toString(), "fc00::1");
  assertEquals(d.attrs.backendV6Data, { VNI: 1, VtepMAC: "12:c6:65:89:b4:e4" });
  const s = nodeToLease(vxlan, names, V6);
  assertEquals([s.subnet, s.ipv6Subnet?.toString(), s.attrs.publicIP], [null, "fd00:1::/64", null]);
});

Deno.test("nodeToLease() takes spec.podCIDR when podCIDRs is empty; null backend data is none", () => {
  const n = node({ [P + "public-ip"]: "10.0.0.1", [P + "backend-data"]: "null" }, {
    podCIDR: "10.244.7.5/24",
  });
  const l = nodeToLease(n, names, V4);
  assertEquals(l.subnet?.toString(), "10.244.7.0/24");
  assertEquals("backendData" in l.attrs, false);
  assertEquals(l.attrs.backendType, "");
});

Deno.test("nodeToLease() refuses malformed nodes with a NodeLeaseError", async (t) => {
  const cases: [string, KubeNode, string][] = [
    [
      "bad public-ip",
      node({ [P + "public-ip"]: "fc00::1" }, { podCIDR: "10.0.0.0/24" }),
      "is not an IPv4",
    ],
    [
      "missing v4 cidr",
      node({ [P + "public-ip"]: "1.2.3.4" }, { podCIDRs: ["fd00::/64"] }),
      "missing IPv4 address on n.Spec.PodCIDRs",
    ],
    [
      "bad cidr",
      node({ [P + "public-ip"]: "1.2.3.4" }, { podCIDR: "10.0.0.0/33" }),
      "invalid pod CIDR",
    ],
    [
      "three cidrs",
      node({ [P + "public-ip"]: "1.2.3.4" }, {
        podCIDRs: ["10.0.0.0/24", "fd00::/64", "10.1.0.0/24"],
      }),
      "pod cidrs should be IPv4/IPv6 only or dualstack",
    ],
    [
      "bad backend data",
      node({ [P + "public-ip"]: "1.2.3.4", [P + "backend-data"]: "{" }, { podCIDR: "10.0.0.0/24" }),
      "is not JSON",
    ],
    ["no cidr", node({ [P + "public-ip"]: "1.2.3.4" }), "missing IPv4 address"],
  ];
  for (const [what, n, msg] of cases) {
    await t.step(what, () => {
      assertThrows(() => nodeToLease(n, names, V4), NodeLeaseError, msg);
    });
  }
});

Deno.test("nodeToLease() ends every FuzzNodeToLease seed in a lease or a NodeLeaseError", async (t) => {
  const seeds: [string, string, string, string, boolean, boolean][] = [
    ["192.168.0.1", "fc00::1", "10.244.1.0/24", "vxlan", true, false],
    ["", "", "fc00::/64", "host-gw", false, true],
    ["not-an-ip", "not-an-ip", "not-a-cidr", "", true, true],
    ["192.168.0.1", "fc00::1", "fc00::/64", "vxlan", true, false],
    ["::1", "192.168.0.1", "10.244.1.0/24", "wireguard", false, true],
  ];
  const expected = ["lease", "EBADNODE", "EBADNODE", "EBADNODE", "EBADNODE"];
  for (const [i, [ip, ip6, cidr, type, e4, e6]] of seeds.entries()) {
    await t.step(JSON.stringify(seeds[i]), () => {
      const n = node({
        [P + "public-ip"]: ip,
        [P + "public-ipv6"]: ip6,
        [P + "backend-type"]: type,
      }, {
        podCIDR: cidr,
      });
      let got: string;
      try {
        nodeToLease(n, names, { enableIPv4: e4, enableIPv6: e6 });
        got = "lease";
      } catch (err) {
        assert(err instanceof NodeLeaseError, String(err));
        got = err.code;
      }
      assertEquals(got, expected[i]);
    });
  }
});

Deno.test("property: nodeToLease() never crashes on arbitrary node JSON", () => {
  const str = fc.oneof(fc.string(), fc.constantFrom("10.0.0.0/24", "fd00::/64", "1.2.3.4", "::1"));
  fc.assert(fc.property(
    fc.dictionary(
      fc.constantFrom(P + "public-ip", P + "public-ipv6", P + "backend-data", P + "backend-type"),
      str,
    ),
    fc.anything(),
    fc.anything(),
    fc.boolean(),
    fc.boolean(),
    (ann, podCIDR, list, e4, e6) => {
      const n = { metadata: { name: "x", annotations: ann }, spec: { podCIDR, podCIDRs: list } };
      try {
        nodeToLease(n as unknown as KubeNode, names, { enableIPv4: e4, enableIPv6: e6 });
        return true;
      } catch (err) {
        return err instanceof NodeLeaseError;
      }
    },
  ));
});

Deno.test("podCIDRs() picks one CIDR per family", () => {
  const r = podCIDRs(node({}, { podCIDRs: ["fd00::/64", "10.1.0.0/24"] }));
  assertEquals([r[4]?.toString(), r[6]?.toString()], ["10.1.0.0/24", "fd00::/64"]);
  const e = podCIDRs(node({}, {}));
  assertEquals([e[4], e[6]], [null, null]);
});

Deno.test('isManaged() needs exactly "true"', () => {
  assert(isManaged(vxlan, names));
  assert(!isManaged(node({ [P + "kube-subnet-manager"]: "True" }), names));
  assert(!isManaged(node({}), names));
});

Deno.test("leaseChanged() reports a change of any enabled family (dual-stack fix)", async (t) => {
  const with_ = (k: string, v: string) => ({
    ...vxlan,
    metadata: { ...vxlan.metadata, annotations: { ...vxlan.metadata.annotations, [k]: v } },
  });
  await t.step("unrelated annotation", () => {
    assertEquals(leaseChanged(vxlan, with_("other/x", "1"), names, DUAL), false);
  });
  await t.step("v4 data", () => {
    assertEquals(leaseChanged(vxlan, with_(P + "backend-data", "{}"), names, DUAL), true);
  });
  await t.step("v6 data only (upstream drops this one)", () => {
    assertEquals(leaseChanged(vxlan, with_(P + "backend-v6-data", "{}"), names, DUAL), true);
  });
  await t.step("v6 data with IPv6 disabled", () => {
    assertEquals(leaseChanged(vxlan, with_(P + "backend-v6-data", "{}"), names, V4), false);
  });
  await t.step("public ip", () => {
    assertEquals(leaseChanged(vxlan, with_(P + "public-ip", "1.1.1.1"), names, V4), true);
  });
  await t.step("pod cidr assigned", () => {
    assertEquals(leaseChanged(node({}), node({}, { podCIDR: "10.0.0.0/24" }), names, V4), true);
  });
});
