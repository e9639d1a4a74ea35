/** A bridge world for in-process tests: host namespace by path, iptables inside it. */
import type { BridgeWorld } from "../../../../mod/cni/bridge/mod.ts";
import { exec, type Netns } from "../../../harness/netns.ts";
import type { DelegateArgs } from "../../../../mod/cni/delegate.ts";

export function testWorld(host: Netns): BridgeWorld {
  let n = 0;
  return {
    hostNetns: host.path,
    randomHex8: () => (0xa0000000 + n++).toString(16),
    writeStderr: () => Promise.resolve(),
    iptables: async (fam, args) => {
      const r = await exec("ip", [
        "netns",
        "exec",
        host.name,
        fam === 4 ? "iptables" : "ip6tables",
        ...args,
        "--wait",
      ]);
      return { code: r.code, stderr: r.stderr };
    },
  };
}

/** The delegate config flannel renders for the stock conflist, with a private store. */
export function delegateConf(dir: string, extra: Record<string, unknown> = {}) {
  return {
    cniVersion: "1.0.0",
    hairpinMode: true,
    ipMasq: false,
    ipam: {
      dataDir: dir,
      ranges: [[{ subnet: "10.244.1.0/24" }]],
      routes: [{ dst: "10.244.0.0/16" }],
      type: "host-local",
    },
    isDefaultGateway: true,
    isGateway: true,
    mtu: 1450,
    name: "cbr0",
    type: "bridge",
    ...extra,
  };
}

export function args(pod: Netns, id: string, ifName = "eth0"): DelegateArgs {
  return { containerID: id, netns: pod.path, ifName, args: "", env: {} };
}
