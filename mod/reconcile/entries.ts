/**
 * The kernel entries flannel keeps for remote leases, as plain values: routes, neighbours and
 * FDB entries. Backends produce them (pure plans), the reconciler compares and applies them.
 *
 * Design notes: every entry has a key naming the kernel object it occupies (a route's
 * destination in the main table, a neighbour's device + address, an FDB entry's device + MAC),
 * because that is what `replace` overwrites; two entries with the same key cannot both exist.
 * Devices are named, not indexed, so a recreated `flannel.1` (new ifindex) still matches.
 */
import type { IPAddr, IPNet } from "../ip/mod.ts";

/** `ip route replace <dst> [via <gateway>] dev <dev> [onlink] proto <protocol>` (table main). */
export interface RouteEntry {
  kind: "route";
  dst: IPNet;
  gateway: IPAddr | null;
  dev: string;
  onlink: boolean;
}

/** `ip neigh replace <ip> lladdr <mac> dev <dev> nud permanent`. */
export interface NeighEntry {
  kind: "neigh";
  dev: string;
  ip: IPAddr;
  mac: string;
}

/** `bridge fdb replace <mac> dev <dev> self dst <dst> permanent`. */
export interface FdbEntry {
  kind: "fdb";
  dev: string;
  mac: string;
  dst: IPAddr;
}

export type Entry = RouteEntry | NeighEntry | FdbEntry;

/** What a backend wants the kernel to hold for a set of remote leases. */
export type DesiredState = Entry[];

/** The kernel object an entry occupies. */
export function entryKey(e: Entry): string {
  switch (e.kind) {
    case "route":
      return `route ${e.dst}`;
    case "neigh":
      return `neigh ${e.dev} ${e.ip}`;
    case "fdb":
      return `fdb ${e.dev} ${e.mac}`;
  }
}

const eqIP = (a: IPAddr | null, b: IPAddr | null) => a === null ? b === null : a.equals(b);

/** True when the two entries are the same kernel state (no change needed). */
export function sameEntry(a: Entry, b: Entry): boolean {
  if (a.kind === "route" && b.kind === "route") {
    return a.dst.equals(b.dst) && eqIP(a.gateway, b.gateway) && a.dev === b.dev &&
      a.onlink === b.onlink;
  }
  if (a.kind === "neigh" && b.kind === "neigh") {
    return a.dev === b.dev && a.ip.equals(b.ip) && a.mac === b.mac;
  }
  if (a.kind === "fdb" && b.kind === "fdb") {
    return a.dev === b.dev && a.mac === b.mac && a.dst.equals(b.dst);
  }
  return false;
}

/** One line in iproute2 words, for logs and test failures. */
export function describeEntry(e: Entry): string {
  switch (e.kind) {
    case "route":
      return `route ${e.dst}${e.gateway ? ` via ${e.gateway}` : ""} dev ${e.dev}` +
        (e.onlink ? " onlink" : "");
    case "neigh":
      return `neigh ${e.ip} lladdr ${e.mac} dev ${e.dev}`;
    case "fdb":
      return `fdb ${e.mac} dev ${e.dev} dst ${e.dst}`;
  }
}

/** Order in which replaces go out: neighbour and FDB before the route that uses them. */
export const APPLY_ORDER: Readonly<Record<Entry["kind"], number>> = { neigh: 0, fdb: 1, route: 2 };
