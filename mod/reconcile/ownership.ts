/**
 * Which kernel objects are flannel's: the one answer shared by the reconciler (what it may
 * delete, what it must not replace) and `flanneld status` (what it counts).
 *
 * Design notes: a device is flannel's when a backend made it; the reconciler knows the exact
 * list (`Prepared.devices`), and a reader without an agent (`flanneld status`) uses the name
 * rule every backend follows ({@linkcode isOwnedDevice}). A route is flannel's when its
 * destination lies inside the cluster networks and it either carries flannel's route
 * protocol or sits on a flannel device; connected routes (proto `kernel`) never are.
 * Neighbours and FDB entries are flannel's when they are permanent and on a flannel device.
 * A route is someone else's beyond doubt ({@linkcode isForeignRoute}) when it is a connected
 * route or lies outside the cluster networks: a desired route must not replace it.
 */
import type { IPNet } from "../ip/mod.ts";
import { RTPROT_KERNEL } from "../netlink/codec/consts.ts";

/** Every device a backend creates is named with this prefix (`flannel.1`, `flannel-v6.1`). */
export const DEVICE_PREFIX = "flannel";

/** What flannel owns on this host: the devices it made and the cluster networks. */
export interface Scope {
  devices: readonly string[];
  networks: readonly IPNet[];
  /** The route protocol flannel's routes carry (`RTPROT_FLANNEL`). */
  protocol: number;
}

/** The facts of a route that decide ownership: where it goes and through which device. */
export interface RouteFacts {
  dst: IPNet;
  dev: string;
}

/** Whether a device name is one the backends give (see {@linkcode DEVICE_PREFIX}). */
export function isOwnedDevice(name: string): boolean {
  return name.startsWith(DEVICE_PREFIX);
}

/** Whether `dst` lies inside one of `networks`. */
export function inNetworks(dst: IPNet, networks: readonly IPNet[]): boolean {
  return networks.some((n) => n.contains(dst));
}

/** Whether a route with `protocol` (`RTPROT_*`) is flannel's, so the reconciler may delete it. */
export function isOwnedRoute(r: RouteFacts, protocol: number | undefined, scope: Scope): boolean {
  if (protocol === RTPROT_KERNEL || !inNetworks(r.dst, scope.networks)) return false;
  return protocol === scope.protocol || scope.devices.includes(r.dev);
}

/**
 * Whether a route is someone else's beyond doubt, so a desired route must not replace it: a
 * connected route (proto `kernel`) or one outside the cluster networks.
 */
export function isForeignRoute(
  r: Pick<RouteFacts, "dst">,
  protocol: number | undefined,
  scope: Pick<Scope, "networks">,
): boolean {
  return protocol === RTPROT_KERNEL || !inNetworks(r.dst, scope.networks);
}

/** Whether a neighbour or FDB entry on `dev` is flannel's: permanent, on a flannel device. */
export function isOwnedNeigh(dev: string, permanent: boolean, scope: Scope): boolean {
  return permanent && scope.devices.includes(dev);
}
