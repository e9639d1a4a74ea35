/**
 * The bridge plugin's CHECK in-process (spec/cni.md §3.2): IPAM first, then the bridge, the
 * pod's interface (a veth, the MAC of `prevResult`), its host peer enslaved to the bridge,
 * and every address and route of `prevResult` present in the pod.
 */
import { parseCIDRWithHost, parseIP } from "../../ip/mod.ts";
import * as K from "../../netlink/codec/consts.ts";
import type { Rtnl } from "../../netlink/rtnl.ts";
import type { DelegateArgs } from "../delegate.ts";
import type { CniResult } from "../result.ts";
import type { BridgeConf } from "./conf.ts";
import type { Ipam } from "./ipam.ts";
import { HostNs, openNetnsRtnl, routeDst } from "./kernel.ts";

function checkBridgeAndPeer(ns: HostNs, c: BridgeConf, peerIndex: number | undefined): void {
  using host = ns.open();
  const br = host.link.find(c.bridge);
  if (br === null) throw new Error(`Bridge "${c.bridge}" not found`);
  if (br.info?.kind !== "bridge") throw new Error(`"${c.bridge}" is not a bridge`);
  const peer = peerIndex === undefined ? null : host.link.find(peerIndex);
  if (peer === null || peer.info?.kind !== "veth") {
    throw new Error(`The host end of the pod's veth pair was not found`);
  }
  if (peer.master !== br.index) {
    throw new Error(`"${peer.name}" is not attached to bridge "${c.bridge}"`);
  }
}

function checkAddresses(pod: Rtnl, index: number, prev: CniResult, ifName: string): void {
  const have = pod.addr.list({ index }).map((a) => `${a.local ?? a.address}/${a.prefixLen}`);
  for (const ipc of prev.ips) {
    const { ip, net } = parseCIDRWithHost(ipc.address);
    if (!have.includes(`${ip}/${net.prefixLen}`)) {
      throw new Error(`Address ${ipc.address} is missing on "${ifName}"`);
    }
  }
}

function checkRoutes(pod: Rtnl, index: number, prev: CniResult): void {
  const gw: Partial<Record<4 | 6, string>> = {};
  for (const ipc of prev.ips) {
    const fam = parseCIDRWithHost(ipc.address).ip.family;
    if (ipc.gateway && gw[fam] === undefined) gw[fam] = ipc.gateway;
  }
  const routes = [K.AF_INET, K.AF_INET6].flatMap((family) => pod.route.list({ family }));
  for (const r of prev.routes) {
    const dst = routeDst(r.dst);
    const via = r.gw ?? gw[dst.family];
    const found = routes.some((k) =>
      k.oif === index && k.dst?.equals(dst) &&
      (via === undefined || k.gateway?.equals(parseIP(via)))
    );
    if (!found) throw new Error(`Route ${r.dst}${via ? ` via ${via}` : ""} is missing in the pod`);
  }
}

/** Runs CHECK against `prev` (the cached ADD result). */
export async function bridgeCheck(
  c: BridgeConf,
  a: DelegateArgs,
  ipam: Ipam | null,
  prev: CniResult,
  hostNetns: string | null,
): Promise<void> {
  if (ipam) await ipam.check();
  using pod = openNetnsRtnl(a.netns);
  const link = pod.link.find(a.ifName);
  if (link === null) throw new Error(`Interface "${a.ifName}" not found in "${a.netns}"`);
  if (link.info?.kind !== "veth") throw new Error(`"${a.ifName}" is not a veth`);
  const want = prev.interfaces.find((i) => i.name === a.ifName && i.sandbox);
  if (want?.mac && link.mac && want.mac.toLowerCase() !== link.mac.toLowerCase()) {
    throw new Error(`"${a.ifName}" has MAC ${link.mac}, not ${want.mac}`);
  }
  checkBridgeAndPeer(new HostNs(hostNetns), c, link.link);
  checkAddresses(pod, link.index, prev, a.ifName);
  checkRoutes(pod, link.index, prev);
}
