import { assertEquals, assertThrows } from "../../harness/assert.ts";
import { annotationNames } from "../../../mod/lease/annotations.ts";
import type { KubeNode } from "../../../mod/lease/node.ts";
import {
  annotationPatch,
  hasPodCIDR,
  networkUnavailablePatch,
  ownLease,
  planNodeAnnotations,
} from "../../../mod/lease/node_patch.ts";
import type { LeaseAttrs } from "../../../mod/lease/types.ts";
import { parseIP } from "../../../mod/ip/mod.ts";
import { parseNetworkConfig } from "../../../mod/config/net_conf.ts";
import { ConfigError } from "../../../mod/errors.ts";

const names = annotationNames();
const P = "flannel.alpha.coreos.com/";
const MAC = "12:c6:65:89:b4:e3";

function node(ann: Record<string, string> = {}, spec: KubeNode["spec"] = {}): KubeNode {
  return { metadata: { name: "n1", annotations: ann }, spec };
}

const vxlanAttrs: LeaseAttrs = {
  publicIP: parseIP("198.18.0.1"),
  publicIPv6: null,
  backendType: "vxlan",
  backendData: { VNI: 1, VtepMAC: MAC },
};

Deno.test("planNodeAnnotations() writes upstream's vxlan annotations byte for byte", () => {
  const plan = planNodeAnnotations(node({ "other/x": "1" }), vxlanAttrs, names);
  assertEquals(plan.set, {
    [P + "backend-type"]: "vxlan",
    [P + "backend-data"]: `{"VNI":1,"VtepMAC":"${MAC}"}`,
    [P + "public-ip"]: "198.18.0.1",
    [P + "kube-subnet-manager"]: "true",
  });
  assertEquals(
    annotationPatch(plan.set),
    `{"metadata":{"annotations":{"flannel.alpha.coreos.com/backend-data":"{\\"VNI\\":1,\\"VtepMAC\\":\\"${MAC}\\"}",` +
      `"flannel.alpha.coreos.com/backend-type":"vxlan","flannel.alpha.coreos.com/kube-subnet-manager":"true",` +
      `"flannel.alpha.coreos.com/public-ip":"198.18.0.1"}}}`,
  );
});

Deno.test("planNodeAnnotations() writes nothing when the node is up to date", () => {
  const n = node(planNodeAnnotations(node(), vxlanAttrs, names).set);
  assertEquals(planNodeAnnotations(n, vxlanAttrs, names), { set: {}, notes: [] });
});

Deno.test("planNodeAnnotations() patches only what changed (a new VTEP MAC)", () => {
  const n = node(planNodeAnnotations(node(), vxlanAttrs, names).set);
  const next = { ...vxlanAttrs, backendData: { VNI: 1, VtepMAC: "aa:aa:aa:aa:aa:aa" } };
  assertEquals(planNodeAnnotations(n, next, names).set, {
    [P + "backend-data"]: '{"VNI":1,"VtepMAC":"aa:aa:aa:aa:aa:aa"}',
  });
});

Deno.test("planNodeAnnotations() host-gw writes null backend data", () => {
  const attrs: LeaseAttrs = {
    publicIP: parseIP("10.0.0.2"),
    publicIPv6: null,
    backendType: "host-gw",
  };
  assertEquals(planNodeAnnotations(node(), attrs, names).set, {
    [P + "backend-type"]: "host-gw",
    [P + "backend-data"]: "null",
    [P + "public-ip"]: "10.0.0.2",
    [P + "kube-subnet-manager"]: "true",
  });
});

Deno.test("planNodeAnnotations() IPv6-only vxlan writes no IPv4 data or public-ip", () => {
  const attrs: LeaseAttrs = {
    publicIP: null,
    publicIPv6: parseIP("fc00::1"),
    backendType: "vxlan",
    backendV6Data: { VNI: 1, VtepMAC: MAC },
  };
  assertEquals(planNodeAnnotations(node(), attrs, names).set, {
    [P + "backend-type"]: "vxlan",
    [P + "backend-v6-data"]: `{"VNI":1,"VtepMAC":"${MAC}"}`,
    [P + "public-ipv6"]: "fc00::1",
    [P + "kube-subnet-manager"]: "true",
  });
});

Deno.test("planNodeAnnotations() honours public-ip-overwrite and says so", () => {
  const n = node({ [P + "public-ip-overwrite"]: "172.18.0.2" });
  const plan = planNodeAnnotations(n, vxlanAttrs, names);
  assertEquals(plan.set[P + "public-ip"], "172.18.0.2");
  assertEquals(plan.notes, [
    `Overriding public ip with '172.18.0.2' from node annotation '${P}public-ip-overwrite'`,
  ]);
  // Once written, the overwrite keeps the node stable (no patch, no note).
  const done = node({ ...n.metadata.annotations, ...plan.set });
  assertEquals(planNodeAnnotations(done, vxlanAttrs, names), { set: {}, notes: [] });
});

Deno.test("planNodeAnnotations() dual-stack host-gw writes both families", () => {
  const attrs: LeaseAttrs = {
    publicIP: parseIP("10.0.0.2"),
    publicIPv6: parseIP("fc00::2"),
    backendType: "host-gw",
  };
  assertEquals(planNodeAnnotations(node(), attrs, names).set, {
    [P + "backend-type"]: "host-gw",
    [P + "backend-data"]: "null",
    [P + "public-ip"]: "10.0.0.2",
    [P + "backend-v6-data"]: "null",
    [P + "public-ipv6"]: "fc00::2",
    [P + "kube-subnet-manager"]: "true",
  });
});

Deno.test("ownLease() takes the pod CIDRs inside the networks", () => {
  const cfg = parseNetworkConfig(
    '{"Network":"10.244.0.0/16","EnableIPv6":true,"IPv6Network":"fd00::/48"}',
  );
  const exp = new Date(0);
  const n = node({}, { podCIDR: "10.244.3.0/24", podCIDRs: ["10.244.3.0/24", "fd00:0:0:3::/64"] });
  const l = ownLease(n, cfg, vxlanAttrs, exp);
  assertEquals([l.subnet?.toString(), l.ipv6Subnet?.toString()], [
    "10.244.3.0/24",
    "fd00:0:0:3::/64",
  ]);
  // Backends without dual-stack support get an IPv4-only lease.
  const udp = ownLease(n, cfg, { ...vxlanAttrs, backendType: "udp" }, exp);
  assertEquals(udp.ipv6Subnet, null);
});

Deno.test("ownLease() refuses a pod CIDR outside the network with upstream's message", () => {
  const cfg = parseNetworkConfig('{"Network":"10.244.0.0/16"}');
  assertThrows(
    () => ownLease(node({}, { podCIDR: "10.99.0.0/24" }), cfg, vxlanAttrs, new Date()),
    ConfigError,
    `subnet "10.244.0.0/16" specified in the flannel net config doesn't contain "10.99.0.0/24" PodCIDR of the "n1" node`,
  );
  const none = parseNetworkConfig("{}");
  assertThrows(
    () => ownLease(node({}, { podCIDR: "10.99.0.0/24" }), none, vxlanAttrs, new Date()),
    ConfigError,
    `subnet "0.0.0.0/0" specified`,
  );
});

Deno.test("networkUnavailablePatch() is upstream's condition", () => {
  assertEquals(
    networkUnavailablePatch(new Date("2026-01-02T03:04:05.678Z")),
    '{"status":{"conditions":[{"type":"NetworkUnavailable","status":"False",' +
      '"lastHeartbeatTime":"2026-01-02T03:04:05Z","lastTransitionTime":"2026-01-02T03:04:05Z",' +
      '"reason":"FlannelIsUp","message":"Flannel is running on this node"}]}}',
  );
});

Deno.test("hasPodCIDR()", () => {
  assertEquals(hasPodCIDR(node()), false);
  assertEquals(hasPodCIDR(node({}, { podCIDR: "" })), false);
  assertEquals(hasPodCIDR(node({}, { podCIDR: "10.0.0.0/24" })), true);
});
