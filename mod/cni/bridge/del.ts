/**
 * The bridge plugin's DEL in-process (spec/cni.md §3.2): delete the pod's interface (the veth
 * pair goes with it) remembering its addresses, release the IPAM allocation, remove the
 * masquerade rules. Everything already gone is success; the bridge is never removed.
 *
 * Deliberate difference: when the interface is already gone (netns deleted first), the
 * reference cannot know the pod's addresses and leaves its masquerade rules behind; here the
 * addresses still recorded by the in-process host-local store are used instead.
 *
 * DEL never fails for a cause a retry cannot change (spec/cni.md §1.8: the runtime retries DEL
 * until it succeeds): a netns path that is gone or no longer a namespace, an interface the
 * kernel refuses to delete (`lo` after an ADD with `CNI_IFNAME=lo`, which made nothing), an
 * IPAM plugin missing from `CNI_PATH` are noted on stderr and skipped. The settings come from
 * `bridgeDelConf` and host-local's `ipamStoreRef`, both lenient, so a saved config that no ADD
 * could use (wrong types, a /31 range) is still undone. Kernel and file errors stay fatal.
 */
import type { IPAddr } from "../../ip/mod.ts";
import { isErrno } from "../../netlink/errors.ts";
import type { DelegateArgs } from "../delegate.ts";
import { PluginNotFoundError } from "../exec.ts";
import type { BridgeConf } from "./conf.ts";
import type { Ipam } from "./ipam.ts";
import { globalAddrs, isGone, NetnsGoneError, openNetnsRtnl } from "./kernel.ts";
import { masqChainName, masqComment, teardownMasq } from "./masq.ts";
import type { BridgeWorld } from "./mod.ts";

type Held = { ip: IPAddr; prefixLen: number }[];

/**
 * Deletes `ifName` in the pod netns; returns its global addresses when `addrs` (the
 * masquerade teardown needs them; otherwise their dump is skipped), none when gone, and
 * whether the link could not be deleted at all (`lo`: the kernel refuses, EOPNOTSUPP).
 */
function deletePodLink(netns: string, ifName: string, addrs: boolean): [Held, boolean] {
  let pod;
  try {
    pod = openNetnsRtnl(netns);
  } catch (err) {
    if (err instanceof NetnsGoneError) return [[], false];
    throw err;
  }
  using _ = pod;
  let refused = false;
  const del = (r: number | string) => {
    try {
      pod.link.del(r);
    } catch (err) {
      if (isErrno(err, "EOPNOTSUPP")) refused = true;
      else if (!isGone(err)) throw err;
    }
  };
  if (!addrs) {
    del(ifName); // by name: one round trip; a missing link answers ENODEV
    return [[], refused];
  }
  const link = pod.link.find(ifName);
  if (link === null) return [[], false];
  const held = globalAddrs(pod, link.index);
  del(link.index);
  return refused ? [[], true] : [held, false];
}

/** IPAM DEL; an IPAM plugin missing from `CNI_PATH` is noted, not fatal (retries cannot help). */
async function releaseIpam(ipam: Ipam, w: BridgeWorld): Promise<void> {
  try {
    await ipam.del();
  } catch (err) {
    if (!(err instanceof PluginNotFoundError)) throw err;
    await w.writeStderr(`IPAM release skipped: ${err.message}\n`);
  }
}

/** Runs DEL. */
export async function bridgeDel(
  c: BridgeConf,
  a: DelegateArgs,
  ipam: Ipam | null,
  w: BridgeWorld,
): Promise<void> {
  let [addrs, refused] = a.netns === "" ? [[], false] : deletePodLink(a.netns, a.ifName, c.ipMasq);
  if (refused) {
    await w.writeStderr(
      `"${a.ifName}" in "${a.netns}" cannot be deleted, so it is not ours: kept\n`,
    );
  }
  w.trace?.("pod-link");
  if (c.ipMasq && addrs.length === 0 && ipam) {
    addrs = (await ipam.held()).map((ip) => ({ ip, prefixLen: ip.bits }));
  }
  if (ipam) await releaseIpam(ipam, w);
  w.trace?.("ipam");
  if (!c.ipMasq) return;
  const chain = await masqChainName(c.name, a.containerID);
  const comment = masqComment(c.name, a.containerID);
  for (const { ip, prefixLen } of addrs) {
    await teardownMasq(w.iptables, ip, prefixLen, chain, comment);
  }
  w.trace?.("masq");
}
