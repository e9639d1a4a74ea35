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
import type { Backend, BackendFactory, Prepared, PrepareEnv } from "../mod/agent/backend.ts";

/** host-gw has no options on Linux (Windows' `Name` is ignored). */
export type HostGwConfig = Record<string, never>;

const NAT_MESSAGE = "your PublicIP differs from interface IP, meaning that probably you're on " +
  "a NAT, which is not supported by host-gw backend";

/** PURE: routes `<subnet> via <public IP> dev <dev>` for remote host-gw leases. */
export function hostGwPlan(dev: string, remote: readonly Lease[]): Entry[] {
  const out: Entry[] = [];
  const add = (dst: Lease["subnet"], gw: IPAddr | null) => {
    if (dst !== null && gw !== null && gw.family === dst.family) {
      out.push({ kind: "route", dst, gateway: gw, dev, onlink: false });
    }
  };
  for (const l of remote) {
    if (l.attrs.backendType !== "host-gw") continue;
    add(l.subnet, l.attrs.publicIP);
    add(l.ipv6Subnet, l.attrs.publicIPv6);
  }
  return out;
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
    return Promise.resolve({
      attrs: {
        publicIP: config.enableIPv4 ? iface.extAddr4 : null,
        publicIPv6: config.enableIPv6 ? iface.extAddr6 : null,
        backendType: "host-gw",
      },
      mtu: iface.mtu,
      devices: [],
      desiredState: (remote) => hostGwPlan(name, remote),
    });
  }
}

export const hostGw: BackendFactory<HostGwConfig> = {
  parseConfig: () => ({}),
  create: () => new HostGwBackend(),
};
