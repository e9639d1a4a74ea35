/**
 * The host-gw backend (spec §4.3): one route per remote lease, via the peer's public address,
 * on the external interface; IPv4 and IPv6. Hosts must share an L2 segment.
 *
 * Design notes: no device of its own, so the reconcile scope holds no devices and only routes
 * carrying flannel's route protocol inside the cluster network are ever pruned; neighbours on
 * the external interface are never touched. Behind NAT (public IP ≠ interface IP) the peers
 * would route to an address this host does not have, so we refuse, with upstream's message.
 */
import { ConfigError } from "../mod/errors.ts";
import type { IPAddr } from "../mod/ip/mod.ts";
import type { Lease } from "../mod/lease/types.ts";
import type { Entry } from "../mod/reconcile/entries.ts";
import type { Backend, BackendFactory, Prepared, PrepareEnv } from "./contract.ts";

/** host-gw has no options on Linux (Windows' `Name` is ignored). */
export type HostGwConfig = Record<string, never>;

const NAT_MESSAGE = "your PublicIP differs from interface IP, meaning that probably you're on " +
  "a NAT, which is not supported by host-gw backend";

/** The families a host-gw host routes (the config's `EnableIPv4` / `EnableIPv6`). */
export interface HostGwFamilies {
  4: boolean;
  6: boolean;
}

const BOTH: HostGwFamilies = { 4: true, 6: true };

/** A lease's (subnet, gateway, gateway field) per family. */
const hops = (l: Lease) =>
  [[l.subnet, l.attrs.publicIP, "PublicIP"], [
    l.ipv6Subnet,
    l.attrs.publicIPv6,
    "PublicIPv6",
  ]] as const;

/**
 * PURE: routes `<subnet> via <public IP> dev <dev>` for remote host-gw leases, for the
 * families this host routes.
 */
export function hostGwPlan(
  dev: string,
  remote: readonly Lease[],
  families: HostGwFamilies = BOTH,
): Entry[] {
  const out: Entry[] = [];
  for (const l of remote) {
    if (l.attrs.backendType !== "host-gw") continue;
    for (const [dst, gw] of hops(l)) {
      if (dst !== null && families[dst.family] && gw !== null && gw.family === dst.family) {
        out.push({ kind: "route", dst, gateway: gw, dev, onlink: false });
      }
    }
  }
  return out;
}

/** PURE: why a remote host-gw lease cannot be routed here (no gateway of its family); else null. */
export function hostGwLeaseProblem(families: HostGwFamilies, l: Lease): string | null {
  for (const [dst, gw, field] of hops(l)) {
    if (dst === null || !families[dst.family]) continue;
    if (gw === null) return `it has no ${field}`;
    if (gw.family !== dst.family) return `${field} "${gw}" is not an IPv${dst.family} address`;
  }
  return null;
}

function differs(a: IPAddr | null, b: IPAddr | null): boolean {
  return a !== null && b !== null && !a.equals(b);
}

class HostGwBackend implements Backend {
  readonly type = "host-gw";

  prepare(env: PrepareEnv): Promise<Prepared> {
    const { iface, config } = env;
    if (differs(iface.extAddr4, iface.addr4) || differs(iface.extAddr6, iface.addr6)) {
      return Promise.reject(new ConfigError(NAT_MESSAGE));
    }
    const name = iface.name;
    const families = { 4: config.enableIPv4, 6: config.enableIPv6 };
    return Promise.resolve({
      attrs: {
        publicIP: config.enableIPv4 ? iface.extAddr4 : null,
        publicIPv6: config.enableIPv6 ? iface.extAddr6 : null,
        backendType: "host-gw",
      },
      mtu: iface.mtu,
      devices: [],
      desiredState: (remote) => hostGwPlan(name, remote, families),
      check: (lease) => hostGwLeaseProblem(families, lease),
    });
  }
}

export const hostGw: BackendFactory<HostGwConfig> = {
  parseConfig: () => ({}),
  create: () => new HostGwBackend(),
};
