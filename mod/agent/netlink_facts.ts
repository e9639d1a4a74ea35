/**
 * rtnetlink messages ↔ what the agent and backends reason about, as pure functions: links and
 * addresses as {@linkcode IfaceFacts} for interface selection, a link as a {@linkcode LinkInfo},
 * and a vxlan device as the {@linkcode LinkSpec} that creates it.
 */
import * as K from "../netlink/codec/consts.ts";
import type { Addr } from "../netlink/codec/addr.ts";
import type { Link } from "../netlink/codec/link.ts";
import type { Route } from "../netlink/codec/route.ts";
import type { LinkSpec } from "../netlink/ops/link.ts";
import type { DeviceAddr, LinkInfo, VxlanSpec } from "../../backends/contract.ts";
import type { FactAddr, IfaceFacts } from "./iface.ts";

/** `IFA_F_TEMPORARY` (same bit as `IFA_F_SECONDARY`, used by IPv6 privacy addresses). */
export const IFA_F_TEMPORARY = 0x01;
/** `IFA_F_DEPRECATED`. */
export const IFA_F_DEPRECATED = 0x20;

/** A link as backends see it (`ip -d link show`). */
export function linkInfoOf(l: Link): LinkInfo {
  const info: LinkInfo = {
    index: l.index,
    name: l.name ?? "",
    kind: l.info?.kind ?? "",
    mtu: l.mtu ?? 0,
    mac: l.mac ?? "",
    up: (l.flags & K.IFF_UP) !== 0,
  };
  const v = l.info?.vxlan;
  if (v !== undefined) {
    info.vxlan = {
      vni: v.id ?? 0,
      link: v.link ?? 0,
      local: v.local ?? null,
      port: v.port ?? 0,
      gbp: v.gbp ?? false,
      learning: v.learning ?? true,
      l2miss: v.l2miss ?? false,
      l3miss: v.l3miss ?? false,
    };
  }
  return info;
}

/**
 * What `ip link add <name> address <mac> mtu <mtu> type vxlan id … dev … local … [dstport]
 * nolearning ttl 0 tos 0` is to mod/netlink's `linkAdd`: unset underlay (0), local (null) and
 * port (0) are not sent, so the kernel's defaults apply.
 */
export function vxlanLinkSpec(s: VxlanSpec): LinkSpec {
  return {
    name: s.name,
    mtu: s.mtu,
    mac: s.mac,
    info: {
      kind: "vxlan",
      vxlan: {
        id: s.vni,
        ...(s.link !== 0 ? { link: s.link } : {}),
        ...(s.local !== null ? { local: s.local } : {}),
        ...(s.port !== 0 ? { port: s.port } : {}),
        learning: s.learning,
        l2miss: s.l2miss,
        l3miss: s.l3miss,
        ...(s.gbp ? { gbp: true } : {}),
        ttl: 0,
        tos: 0,
      },
    },
  };
}

/** An address message as a {@linkcode DeviceAddr}; null when it has none. */
export function deviceAddrOf(a: Addr): DeviceAddr | null {
  const ip = a.local ?? a.address;
  return ip === undefined ? null : { ip, prefixLen: a.prefixLen };
}

function factAddr(a: Addr): FactAddr | null {
  const d = deviceAddrOf(a);
  if (d === null) return null;
  const flags = a.flags ?? a.ifaFlags;
  return {
    index: a.index,
    ip: d.ip,
    prefixLen: d.prefixLen,
    scope: a.scope === K.RT_SCOPE_UNIVERSE
      ? "global"
      : a.scope === K.RT_SCOPE_LINK
      ? "link"
      : "host",
    permanent: (flags & K.IFA_F_PERMANENT) !== 0,
    deprecated: (flags & IFA_F_DEPRECATED) !== 0,
    temporary: a.family === K.AF_INET6 && (flags & IFA_F_TEMPORARY) !== 0,
  };
}

function defaultRoute(routes: readonly Route[], family: number): number | null {
  const r = routes.find((x) =>
    x.family === family && (x.table ?? x.rtmTable) === K.RT_TABLE_MAIN &&
    x.type === K.RTN_UNICAST && (x.dst === undefined || x.dst.prefixLen === 0) &&
    x.oif !== undefined
  );
  return r?.oif ?? null;
}

/**
 * Facts for interface selection from link, address and route dumps plus the reply of
 * `ip route get <--iface-can-reach>` (null when not asked).
 */
export function ifaceFacts(
  links: readonly Link[],
  addrs: readonly Addr[],
  routes: readonly Route[],
  canReach: Route | null,
): IfaceFacts {
  return {
    links: links.map((l) => ({ index: l.index, name: l.name ?? "", mtu: l.mtu ?? 0 })),
    addrs: addrs.map(factAddr).filter((a) => a !== null),
    defaultRoute: { 4: defaultRoute(routes, K.AF_INET), 6: defaultRoute(routes, K.AF_INET6) },
    canReach: canReach?.oif === undefined
      ? null
      : { index: canReach.oif, src: canReach.prefsrc ?? null },
  };
}
