/**
 * The bridge's pure bookkeeping between IPAM and the kernel (reference `calcGateways`):
 * every address belongs to the container interface (index 2), a missing gateway becomes the
 * subnet's first address when the bridge is a gateway, a default route per family is added
 * for `isDefaultGateway` unless the IPAM result already has one with a gateway, and each
 * gateway becomes an address for the bridge.
 */
import { IPAddr, IPNet, parseCIDRWithHost, parseIP } from "../../ip/mod.ts";
import type { CniResult, CniRoute } from "../result.ts";
import type { BridgeConf } from "./conf.ts";

/** Index of the container interface in the bridge's result (`[bridge, host veth, container]`). */
export const CONTAINER_IFACE = 2;

/** A gateway address to put on the bridge: the gateway with the pod subnet's prefix. */
export interface BridgeAddr {
  ip: IPAddr;
  prefixLen: number;
}

/** Fills gateways and default routes into `r` (a copy is returned) and lists bridge addresses. */
export function planGateways(
  ipam: CniResult,
  conf: Pick<BridgeConf, "isGateway" | "isDefaultGateway">,
): { result: CniResult; bridgeAddrs: BridgeAddr[] } {
  const routes: CniRoute[] = ipam.routes.map((r) => ({ ...r }));
  const bridgeAddrs: BridgeAddr[] = [];
  const defaultDone = new Set<number>();
  const ips = ipam.ips.map((ipc) => {
    const { ip, net } = parseCIDRWithHost(ipc.address);
    const out = { ...ipc, interface: CONTAINER_IFACE };
    if (out.gateway === undefined && conf.isGateway) out.gateway = net.ip.add(1).toString();
    const zero = IPNet.of(IPAddr.zero(ip.family), 0).toString();
    if (conf.isDefaultGateway && !defaultDone.has(ip.family)) {
      defaultDone.add(ip.family);
      if (!routes.some((r) => r.gw !== undefined && r.dst === zero)) {
        routes.push(out.gateway === undefined ? { dst: zero } : { dst: zero, gw: out.gateway });
      }
    }
    if (conf.isGateway && out.gateway !== undefined) {
      bridgeAddrs.push({ ip: parseIP(out.gateway), prefixLen: net.prefixLen });
    }
    return out;
  });
  return { result: { ...ipam, ips, routes }, bridgeAddrs };
}
