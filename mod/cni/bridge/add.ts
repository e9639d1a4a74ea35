/**
 * The bridge plugin's ADD in-process (spec/cni.md §3.1): bridge, veth pair into the pod,
 * hairpin, IPAM, addresses, routes, gateway on the bridge, forwarding, masquerade, result.
 * A failed ADD undoes what it made, newest first: masquerade rules, the IPAM allocation (the
 * reference releases it too) and the veth pair (the reference leaves it, down, for the
 * runtime's DEL). The bridge, its address and forwarding stay: they are shared by every pod.
 * An ADD that made nothing (the interface name is taken, e.g. `lo`) undoes nothing. When an
 * undo step fails, the error says so (`AddLeftoversError`) and the caller keeps its state.
 */
import { parseCIDRWithHost, parseIP } from "../../ip/mod.ts";
import type { Link } from "../../netlink/codec/link.ts";
import { isErrno } from "../../netlink/errors.ts";
import { vethInfo } from "../../netlink/ops/link.ts";
import type { Rtnl } from "../../netlink/rtnl.ts";
import { openNetns } from "../../netlink/socket.ts";
import type { DelegateArgs } from "../delegate.ts";
import { Undo } from "../undo.ts";
import type { CniResult } from "../result.ts";
import type { BridgeConf } from "./conf.ts";
import { planGateways } from "./gateway.ts";
import type { Ipam } from "./ipam.ts";
import {
  addrSpec,
  ensureBridge,
  ensureBridgeAddr,
  HostNs,
  isGone,
  openNetnsRtnl,
  podSysctls,
  routeDst,
  settleAddresses,
} from "./kernel.ts";
import { masqChainName, masqComment, setupMasq, teardownMasq } from "./masq.ts";
import { forwardingKey, mustSetSysctl, setSysctl } from "./sysctl.ts";
import type { BridgeWorld } from "./mod.ts";

const VETH_NAME_TRIES = 10;
const DAD_SETTLE_MS = 5000;

interface Veth {
  host: Link;
  cont: Link;
}

/** Creates the pair inside the pod with the host end in the host netns, up, on the bridge. */
function setupVeth(
  ns: HostNs,
  host: Rtnl,
  pod: Rtnl,
  c: BridgeConf,
  a: DelegateArgs,
  br: Link,
  w: BridgeWorld,
  undo: Undo,
): Veth {
  const mtu = c.mtu > 0 ? { mtu: c.mtu } : {};
  for (let i = 0; i < VETH_NAME_TRIES; i++) {
    const hostName = `veth${w.randomHex8()}`;
    try {
      using self = openNetns(ns.fdPath);
      // txqueuelen 0 on both ends, as the reference's netlink library creates veths.
      pod.link.add({
        name: a.ifName,
        ...mtu,
        txqlen: 0,
        ...(c.mac ? { mac: c.mac } : {}),
        info: vethInfo(hostName, { ...mtu, txqlen: 0, netnsFd: self.fd }),
      });
    } catch (err) {
      if (!isErrno(err, "EEXIST")) {
        throw new Error(`failed to create veth: ${(err as Error).message}`);
      }
      if (host.link.find(hostName)) continue;
      // Nothing made: the name belongs to someone else (or is `lo`), not to be undone.
      throw new Error(`container veth name provided (${a.ifName}) already exists`);
    }
    undo.push(`delete "${a.ifName}" in "${a.netns}"`, () => deleteLink(pod, a.ifName));
    pod.link.set(a.ifName, { up: true });
    const hostLink = host.link.get(hostName);
    host.link.set(hostLink.index, { up: true });
    ns.run(() => setSysctl(`net/ipv6/conf/${hostName}/accept_ra`, "0"));
    try {
      host.link.set(hostLink.index, { master: br.index });
    } catch (err) {
      throw new Error(
        `failed to connect "${hostName}" to bridge ${c.bridge}: ${(err as Error).message}`,
      );
    }
    host.link.setBridgePort(hostLink.index, { hairpin: c.hairpinMode });
    return { host: hostLink, cont: pod.link.get(a.ifName) };
  }
  throw new Error("failed to create veth: no unique host-side name after 10 tries");
}

/** `ip link del NAME` (the veth pair goes with its pod end); already gone is fine. */
function deleteLink(pod: Rtnl, name: string): void {
  try {
    pod.link.del(name);
  } catch (err) {
    if (!isGone(err)) throw err;
  }
}

/** Addresses, up, DAD settle, routes inside the pod (reference `ipam.ConfigureIface`). */
async function configurePod(pod: Rtnl, a: DelegateArgs, index: number, r: CniResult) {
  const ipv6 = r.ips.some((i) => i.address.includes(":"));
  podSysctls(a.netns, a.ifName, ipv6);
  const gw: Partial<Record<4 | 6, string>> = {};
  for (const ipc of r.ips) {
    const { ip, net } = parseCIDRWithHost(ipc.address);
    try {
      pod.addr.add(addrSpec(index, ip, net.prefixLen));
    } catch (err) {
      throw new Error(
        `failed to add IP addr ${ipc.address} to "${a.ifName}": ${(err as Error).message}`,
      );
    }
    if (ipc.gateway && gw[ip.family] === undefined) gw[ip.family] = ipc.gateway;
  }
  pod.link.set(index, { up: true });
  if (gw[6]) await settleAddresses(pod, index, DAD_SETTLE_MS);
  for (const route of r.routes) {
    const dst = routeDst(route.dst);
    const via = route.gw ?? gw[dst.family];
    try {
      pod.route.add({
        dst,
        oif: index,
        ...(via ? { gateway: parseIP(via) } : {}),
        ...(route.priority ? { priority: route.priority } : {}),
        ...(route.table !== undefined ? { table: route.table } : {}),
        ...(route.scope !== undefined ? { scope: route.scope } : {}),
      });
    } catch (err) {
      // Duplicate routes: the first one wins, as in the reference.
      if (!isErrno(err, "EEXIST")) {
        throw new Error(
          `failed to add route '${route.dst} via ${via} dev ${a.ifName}': ${
            (err as Error).message
          }`,
        );
      }
    }
  }
}

/** Runs ADD; returns the result in the current shape (the caller prints it). */
export async function bridgeAdd(
  c: BridgeConf,
  a: DelegateArgs,
  ipam: Ipam | null,
  w: BridgeWorld,
): Promise<CniResult> {
  if (ipam === null) throw new Error("The in-process bridge needs an IPAM section");
  const mark = (label: string) => w.trace?.(label);
  const ns = new HostNs(w.hostNetns);
  using host = ns.open();
  mark("host-netlink");
  const br = ensureBridge(ns, host, c.bridge, c.mtu, c.promiscMode);
  mark("bridge");
  using pod = openNetnsRtnl(a.netns);
  mark("pod-netlink");
  const undo = new Undo();
  try {
    const veth = setupVeth(ns, host, pod, c, a, br, w, undo);
    mark("veth");
    const fromIpam = await ipam.add();
    undo.push("release the IPAM allocation", () => ipam.del());
    mark("ipam");
    if (fromIpam.ips.length === 0) throw new Error("IPAM plugin returned missing IP config");
    const { result, bridgeAddrs } = planGateways(fromIpam, c);
    await configurePod(pod, a, veth.cont.index, result);
    mark("pod-config");
    for (const fam of [4, 6] as const) {
      const mine = bridgeAddrs.filter((b) => b.ip.family === fam);
      for (const b of mine) ensureBridgeAddr(host, br, b.ip, b.prefixLen, c.forceAddress);
      if (mine.length > 0) ns.run(() => mustSetSysctl(forwardingKey(fam), "1"));
    }
    mark("gateway");
    if (c.ipMasq) await masquerade(c, a, result, w, undo);
    const brNow = host.link.get(br.index);
    result.interfaces = [
      { name: c.bridge, ...(brNow.mac ? { mac: brNow.mac } : {}) },
      { name: veth.host.name ?? "", ...(veth.host.mac ? { mac: veth.host.mac } : {}) },
      { name: a.ifName, ...(veth.cont.mac ? { mac: veth.cont.mac } : {}), sandbox: a.netns },
    ];
    if (Object.keys(c.dns).length > 0) result.dns = c.dns;
    mark("result");
    return result;
  } catch (err) {
    return await undo.fail(err);
  }
}

/** The pod's masquerade rules (recorded for undo before the first one is added). */
async function masquerade(
  c: BridgeConf,
  a: DelegateArgs,
  r: CniResult,
  w: BridgeWorld,
  undo: Undo,
) {
  const chain = await masqChainName(c.name, a.containerID);
  const comment = masqComment(c.name, a.containerID);
  const addrs = r.ips.map((ipc) => parseCIDRWithHost(ipc.address));
  undo.push("remove the masquerade rules", async () => {
    for (const { ip, net } of addrs) {
      await teardownMasq(w.iptables, ip, net.prefixLen, chain, comment);
    }
  });
  for (const { ip, net } of addrs) await setupMasq(w.iptables, ip, net.prefixLen, chain, comment);
  w.trace?.("masq");
}
