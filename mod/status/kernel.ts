/**
 * The flannel part of a network namespace's kernel state, summarised from rtnetlink dumps:
 * the flannel devices and how many routes, permanent neighbours and FDB entries they carry.
 *
 * Design notes: what counts is what the agent's reconciler takes for its own (one answer,
 * mod/reconcile/ownership.ts): a device is flannel's when its name starts with `flannel`
 * (`flannel.<VNI>`, `flannel-v6.<VNI>`), as the backends name them. A route is flannel's when
 * it is a unicast route of table main into one of subnet.env's networks that carries
 * `RTPROT_FLANNEL` (what this agent writes, host-gw routes on the external interface
 * included) or goes through a flannel device (what upstream's flanneld writes, with the
 * default protocol); connected routes never are. Other tables and non-unicast routes are left
 * out: the kernel's own `local 10.244.1.0 dev flannel.1` is no peer. With no networks known
 * (no subnet.env) only `RTPROT_FLANNEL` proves a route flannel's. Pure: the dumps come from
 * status/run.ts.
 */
import * as K from "../netlink/codec/consts.ts";
import type { Addr } from "../netlink/codec/addr.ts";
import type { Link } from "../netlink/codec/link.ts";
import type { Neigh } from "../netlink/codec/neigh.ts";
import type { Route } from "../netlink/codec/route.ts";
import { type IPNet, parseCIDR } from "../ip/mod.ts";
import { RTPROT_FLANNEL } from "../reconcile/diff.ts";
import { observeRoute } from "../reconcile/netlink_map.ts";
import { isOwnedDevice, isOwnedNeigh, isOwnedRoute, type Scope } from "../reconcile/ownership.ts";

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

const permanent = (n: Neigh) => (n.state & K.NUD_PERMANENT) !== 0;

/** The flannel routes of `routes` (see ownership.ts) given every link's name. */
function flannelRoutes(
  routes: readonly Route[],
  names: ReadonlyMap<number, string>,
  scope: Scope,
): Route[] {
  return routes.filter((r) => {
    const o = observeRoute(r, names);
    return o !== null && o.entry.kind === "route" && isOwnedRoute(o.entry, o.protocol, scope);
  });
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

/** Every destination of either family: the networks when subnet.env names none. */
const ANY = [parseCIDR("0.0.0.0/0"), parseCIDR("::/0")];

/**
 * Summarises `dump` for the networks of subnet.env (`nets`, empty when unknown: then only
 * `RTPROT_FLANNEL` routes count, to any destination).
 */
export function summarizeKernel(dump: KernelDump, nets: readonly IPNet[]): KernelSummary {
  const links = dump.links.filter((l) => isOwnedDevice(l.name ?? ""));
  const names = new Map(dump.links.map((l) => [l.index, l.name ?? ""]));
  const scope: Scope = {
    devices: links.map((l) => l.name ?? ""),
    networks: nets,
    protocol: RTPROT_FLANNEL,
  };
  const routeScope = nets.length > 0 ? scope : { ...scope, devices: [], networks: ANY };
  const routes = flannelRoutes(dump.routes, names, routeScope);
  const ours = (n: Neigh) => isOwnedNeigh(names.get(n.index) ?? "", permanent(n), scope);
  const neighs = dump.neighs.filter(ours);
  const fdb = dump.fdb.filter(ours);
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
