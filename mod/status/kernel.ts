/**
 * The flannel part of a network namespace's kernel state, summarised from rtnetlink dumps:
 * the flannel devices and how many routes, permanent neighbours and FDB entries they carry.
 *
 * Design notes: a device is flannel's when its name starts with `flannel` (`flannel.<VNI>`,
 * `flannel-v6.<VNI>`), as the backends name them. A route is flannel's when it carries
 * `RTPROT_FLANNEL` (what this agent writes, host-gw routes on the external interface
 * included) or when it is a unicast route into one of subnet.env's networks through a flannel
 * device (what upstream's flanneld writes, with the default protocol). The local table and
 * non-unicast routes are left out: the kernel's own `local 10.244.1.0 dev flannel.1` is no
 * peer. Pure: the dumps come from status/run.ts.
 */
import * as K from "../netlink/codec/consts.ts";
import type { Addr } from "../netlink/codec/addr.ts";
import type { Link } from "../netlink/codec/link.ts";
import type { Neigh } from "../netlink/codec/neigh.ts";
import type { Route } from "../netlink/codec/route.ts";
import type { IPNet } from "../ip/mod.ts";
import { RTPROT_FLANNEL } from "../reconcile/diff.ts";

/** What rtnetlink said: links, addresses, routes (all tables), ARP/ND and FDB entries. */
export interface KernelDump {
  links: readonly Link[];
  addrs: readonly Addr[];
  routes: readonly Route[];
  /** AF_INET and AF_INET6 neighbours. */
  neighs: readonly Neigh[];
  /** AF_BRIDGE entries (`bridge fdb show`). */
  fdb: readonly Neigh[];
}

/** One flannel device as `ip -d link show` and friends would describe it. */
export interface DeviceStatus {
  name: string;
  /** `vxlan`, or another IFLA_INFO_KIND; empty when the kernel gave none. */
  kind: string;
  up: boolean;
  mtu: number;
  mac: string | null;
  /** The VXLAN id; null for devices that are not vxlan. */
  vni: number | null;
  /** The VXLAN local (underlay) address. */
  local: string | null;
  /** The VXLAN UDP port. */
  port: number | null;
  /** Global addresses as `ip/len`. */
  addresses: string[];
  /** Flannel routes through this device. */
  routes: number;
  /** Permanent ARP/ND entries on this device. */
  neighbours: number;
  /** Permanent FDB entries on this device. */
  fdb: number;
}

/** The flannel kernel state of one namespace. */
export interface KernelSummary {
  devices: DeviceStatus[];
  /** Flannel routes on any device (host-gw's are on the external interface). */
  routes: number;
  /** Of {@linkcode routes}, those carrying `RTPROT_FLANNEL` (242). */
  routesProto242: number;
  /** Permanent neighbours on flannel devices. */
  neighbours: number;
  /** Permanent FDB entries on flannel devices. */
  fdb: number;
}

/** Whether a device name is one the backends create. */
export const isFlannelDevice = (name: string): boolean => name.startsWith("flannel");

const permanent = (n: Neigh) => (n.state & K.NUD_PERMANENT) !== 0;

/** Whether `r` is a flannel route given the flannel device indexes and the networks. */
function isFlannelRoute(r: Route, devices: ReadonlySet<number>, nets: readonly IPNet[]): boolean {
  if (r.type !== K.RTN_UNICAST || (r.table ?? r.rtmTable) === K.RT_TABLE_LOCAL) return false;
  if (r.protocol === RTPROT_FLANNEL) return true;
  const dst = r.dst;
  if (r.oif === undefined || !devices.has(r.oif) || dst === undefined) return false;
  return nets.some((n) => n.family === dst.family && n.contains(dst));
}

function device(
  l: Link,
  addrs: readonly Addr[],
): Omit<DeviceStatus, "routes" | "neighbours" | "fdb"> {
  const vx = l.info?.vxlan;
  return {
    name: l.name ?? "",
    kind: l.info?.kind ?? "",
    up: (l.flags & K.IFF_UP) !== 0,
    mtu: l.mtu ?? 0,
    mac: l.mac ?? null,
    vni: vx?.id ?? null,
    local: vx?.local?.toString() ?? null,
    port: vx === undefined ? null : vx.port ?? null,
    addresses: addrs
      .filter((a) => a.index === l.index && a.scope === K.RT_SCOPE_UNIVERSE)
      .map((a) => `${a.local ?? a.address}/${a.prefixLen}`),
  };
}

/**
 * Summarises `dump` for the networks of subnet.env (`nets`, empty when unknown: then only
 * `RTPROT_FLANNEL` routes count).
 */
export function summarizeKernel(dump: KernelDump, nets: readonly IPNet[]): KernelSummary {
  const links = dump.links.filter((l) => isFlannelDevice(l.name ?? ""));
  const indexes = new Set(links.map((l) => l.index));
  const routes = dump.routes.filter((r) => isFlannelRoute(r, indexes, nets));
  const neighs = dump.neighs.filter((n) => indexes.has(n.index) && permanent(n));
  const fdb = dump.fdb.filter((n) => indexes.has(n.index) && permanent(n));
  const count = <T>(xs: readonly T[], index: number, of: (x: T) => number | undefined) =>
    xs.filter((x) => of(x) === index).length;
  const devices = links
    .map((l) => ({
      ...device(l, dump.addrs),
      routes: count(routes, l.index, (r) => r.oif),
      neighbours: count(neighs, l.index, (n) => n.index),
      fdb: count(fdb, l.index, (n) => n.index),
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    devices,
    routes: routes.length,
    routesProto242: routes.filter((r) => r.protocol === RTPROT_FLANNEL).length,
    neighbours: neighs.length,
    fdb: fdb.length,
  };
}
