/**
 * `flannel.1` as the vxlan backend makes it (VNI 1 over underlay ifindex 2, local
 * 198.18.0.1), as a device spec and as the link the kernel reports; fields overridable.
 */
import type { LinkInfo, VxlanAttrs, VxlanSpec } from "../../backends/contract.ts";
import { parseIP } from "../../mod/ip/mod.ts";

/** The vxlan attributes the kernel reports for `flannel.1` (port: the kernel default). */
export function flannel1Attrs(o: Partial<VxlanAttrs> = {}): VxlanAttrs {
  return {
    vni: 1,
    link: 2,
    local: parseIP("198.18.0.1"),
    port: 8472,
    gbp: false,
    learning: false,
    l2miss: false,
    l3miss: false,
    ...o,
  };
}

/** What the backend asks for (port 0: the kernel's default). */
export function flannel1Spec(o: Partial<VxlanSpec> = {}): VxlanSpec {
  return {
    ...flannel1Attrs({ port: 0 }),
    name: "flannel.1",
    mtu: 1450,
    mac: "0e:00:00:00:00:01",
    ...o,
  };
}

/** The device as read back. */
export function flannel1Link(o: Partial<LinkInfo> = {}): LinkInfo {
  return {
    index: 5,
    name: "flannel.1",
    kind: "vxlan",
    mtu: 1450,
    mac: "0e:00:00:00:00:01",
    up: true,
    vxlan: flannel1Attrs(),
    ...o,
  };
}
