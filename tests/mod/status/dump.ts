/**
 * rtnetlink dumps of a vxlan node, as the kernel decodes them, for the status tests: host 1
 * of 10.244.0.0/16 with lease 10.244.1.0/24, one peer (10.244.2.0/24 behind 198.18.0.12)
 * over flannel.1 and one over flannel-v6.1, plus the kernel's own entries that must not count.
 */
import * as K from "../../../mod/netlink/codec/consts.ts";
import type { Link } from "../../../mod/netlink/codec/link.ts";
import type { Route } from "../../../mod/netlink/codec/route.ts";
import type { Neigh } from "../../../mod/netlink/codec/neigh.ts";
import type { KernelDump } from "../../../mod/status/kernel.ts";
import { parseCIDR, parseIP } from "../../../mod/ip/mod.ts";
import { RTPROT_FLANNEL } from "../../../mod/reconcile/diff.ts";

export const MAC1 = "3a:11:22:33:44:01";
export const PEER_MAC = "3a:11:22:33:44:02";

/** A link message. */
export function link(index: number, name: string, extra: Partial<Link> = {}): Link {
  return { family: K.AF_UNSPEC, ifType: 1, index, flags: K.IFF_UP, change: 0, name, ...extra };
}

/** A unicast route in the main table. */
export function route(dst: string, oif: number, extra: Partial<Route> = {}): Route {
  const d = parseCIDR(dst);
  return {
    family: d.family === 4 ? K.AF_INET : K.AF_INET6,
    dst: d,
    tos: 0,
    rtmTable: K.RT_TABLE_MAIN,
    protocol: RTPROT_FLANNEL,
    scope: K.RT_SCOPE_UNIVERSE,
    type: K.RTN_UNICAST,
    flags: K.RTNH_F_ONLINK,
    gateway: d.ip,
    table: K.RT_TABLE_MAIN,
    oif,
    ...extra,
  };
}

/** A neighbour (family AF_INET/AF_INET6) or FDB entry (AF_BRIDGE). */
export function neigh(family: number, index: number, dst: string, state = K.NUD_PERMANENT): Neigh {
  return { family, index, state, flags: 0, type: 0, dst: parseIP(dst), lladdr: PEER_MAC };
}

const vxlan = (id: number, local: string) => ({
  kind: "vxlan",
  vxlan: { id, local: parseIP(local), port: 8472 },
});

/** The node: eth0 (2), cni0 (3), flannel.1 (4), flannel-v6.1 (5). */
export function vxlanNode(): KernelDump {
  return {
    links: [
      link(1, "lo", { mtu: 65536 }),
      link(2, "eth0", { mtu: 1500, info: { kind: "veth" } }),
      link(3, "cni0", { mtu: 1450, info: { kind: "bridge" } }),
      link(4, "flannel.1", { mtu: 1450, mac: MAC1, info: vxlan(1, "198.18.0.11") }),
      link(5, "flannel-v6.1", { mtu: 1430, mac: MAC1, info: vxlan(1, "2001:db8:18::11") }),
    ],
    addrs: [
      {
        family: K.AF_INET,
        prefixLen: 32,
        ifaFlags: 0,
        scope: 0,
        index: 4,
        local: parseIP("10.244.1.0"),
      },
      {
        family: K.AF_INET6,
        prefixLen: 128,
        ifaFlags: 0,
        scope: 0,
        index: 5,
        local: parseIP("fd00:10:0:1::"),
      },
      {
        family: K.AF_INET6,
        prefixLen: 64,
        ifaFlags: 0,
        scope: K.RT_SCOPE_LINK,
        index: 5,
        local: parseIP("fe80::1"),
      },
    ],
    routes: [
      route("10.244.2.0/24", 4),
      route("fd00:10:0:2::/64", 5),
      // The kernel's: connected route of cni0, local route of flannel.1's address.
      route("10.244.1.0/24", 3, { protocol: K.RTPROT_KERNEL, scope: K.RT_SCOPE_LINK }),
      route("10.244.1.0/32", 4, {
        protocol: K.RTPROT_KERNEL,
        type: K.RTN_LOCAL,
        rtmTable: K.RT_TABLE_LOCAL,
        table: K.RT_TABLE_LOCAL,
      }),
      route("0.0.0.0/0", 2, { protocol: 3 }),
    ],
    neighs: [
      neigh(K.AF_INET, 4, "10.244.2.0"),
      neigh(K.AF_INET6, 5, "fd00:10:0:2::"),
      neigh(K.AF_INET, 2, "198.18.0.12", K.NUD_REACHABLE),
      neigh(K.AF_INET, 4, "10.244.9.0", K.NUD_REACHABLE),
    ],
    fdb: [
      neigh(K.AF_BRIDGE, 4, "198.18.0.12"),
      neigh(K.AF_BRIDGE, 5, "2001:db8:18::12"),
      neigh(K.AF_BRIDGE, 3, "0.0.0.0"),
    ],
  };
}
