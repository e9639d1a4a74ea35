/**
 * `flannel.1` as the vxlan backend makes it (VNI 1 over underlay ifindex 2, local
 * 198.18.0.1), as a device spec and as the link the kernel reports; fields overridable.
 */
import type { LinkInfo, VxlanAttrs, VxlanSpec } from "../../backends/contract.ts";
import { parseCIDR, parseIP } from "../../mod/ip/mod.ts";
import type { Entry } from "../../mod/reconcile/entries.ts";

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

/** One remote peer's entries on `flannel.1` (10.244.2.0/24 behind VTEP 198.18.0.2). */
export const onePeerEntries: readonly Entry[] = [
  { kind: "neigh", dev: "flannel.1", ip: parseIP("10.244.2.0"), mac: "aa:00:00:00:00:02" },
  { kind: "fdb", dev: "flannel.1", mac: "aa:00:00:00:00:02", dst: parseIP("198.18.0.2") },
  {
    kind: "route",
    dst: parseCIDR("10.244.2.0/24"),
    gateway: parseIP("10.244.2.0"),
    dev: "flannel.1",
    onlink: true,
  },
];
