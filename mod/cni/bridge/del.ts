/**
 * The bridge plugin's DEL in-process (spec/cni.md §3.2): delete the pod's interface (the veth
 * pair goes with it) remembering its addresses, release the IPAM allocation, remove the
 * masquerade rules. Everything already gone is success; the bridge is never removed.
 *
 * Deliberate difference: when the interface is already gone (netns deleted first), the
 * reference cannot know the pod's addresses and leaves its masquerade rules behind; here the
 * addresses still recorded by the in-process host-local store are used instead.
 */
import type { IPAddr } from "../../ip/mod.ts";
import type { DelegateArgs } from "../delegate.ts";
import type { BridgeConf } from "./conf.ts";
import type { Ipam } from "./ipam.ts";
import { globalAddrs, isGone, NetnsGoneError, openNetnsRtnl } from "./kernel.ts";
import { masqChainName, masqComment, teardownMasq } from "./masq.ts";
import type { BridgeWorld } from "./mod.ts";

/**
 * Deletes `ifName` in the pod netns; returns its global addresses when `addrs` (the
 * masquerade teardown needs them; otherwise their dump is skipped), none when gone.
 */
function deletePodLink(
  netns: string,
  ifName: string,
  addrs: boolean,
): { ip: IPAddr; prefixLen: number }[] {
  let pod;
  try {
    pod = openNetnsRtnl(netns);
  } catch (err) {
    if (err instanceof NetnsGoneError) return [];
    throw err;
  }
  using _ = pod;
  const del = (r: number | string) => {
    try {
      pod.link.del(r);
    } catch (err) {
      if (!isGone(err)) throw err;
    }
  };
  if (!addrs) {
    del(ifName); // by name: one round trip; a missing link answers ENODEV
    return [];
  }
  const link = pod.link.find(ifName);
  if (link === null) return [];
  const held = globalAddrs(pod, link.index);
  del(link.index);
  return held;
}

/** Runs DEL. */
export async function bridgeDel(
  c: BridgeConf,
  a: DelegateArgs,
  ipam: Ipam | null,
  w: BridgeWorld,
): Promise<void> {
  let addrs = a.netns === "" ? [] : deletePodLink(a.netns, a.ifName, c.ipMasq);
  w.trace?.("pod-link");
  if (c.ipMasq && addrs.length === 0 && ipam) {
    addrs = (await ipam.held()).map((ip) => ({ ip, prefixLen: ip.bits }));
  }
  if (ipam) await ipam.del();
  w.trace?.("ipam");
  if (!c.ipMasq) return;
  const chain = await masqChainName(c.name, a.containerID);
  const comment = masqComment(c.name, a.containerID);
  for (const { ip, prefixLen } of addrs) {
    await teardownMasq(w.iptables, ip, prefixLen, chain, comment);
  }
  w.trace?.("masq");
}
