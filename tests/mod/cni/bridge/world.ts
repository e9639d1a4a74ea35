/**
 * In-process bridge tests: a host and a pod namespace made by the test, the host namespace
 * passed by path (so nothing happens in the test's own namespace), iptables run inside it,
 * a private host-local store, and the delegate config flannel renders for the stock conflist.
 */
import type { BridgeWorld } from "../../../../mod/cni/bridge/mod.ts";
import { type BridgeConf, parseBridgeConf } from "../../../../mod/cni/bridge/conf.ts";
import { type Ipam, ipamFor } from "../../../../mod/cni/bridge/ipam.ts";
import type { DelegateArgs } from "../../../../mod/cni/delegate.ts";
import { exec, type Netns, withNetns } from "../../../../scripts/lab/netns.ts";
import { withTempDir } from "../temp_dir.ts";

export function testWorld(host: Netns): BridgeWorld {
  let n = 0;
  return {
    hostNetns: host.path,
    randomHex8: () => (0xa0000000 + n++).toString(16),
    writeStderr: () => Promise.resolve(),
    iptables: async (fam, args) => {
      const cmd = fam === 4 ? "iptables" : "ip6tables";
      const r = await exec("ip", ["netns", "exec", host.name, cmd, ...args, "--wait"]);
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

/** Everything one in-process bridge call needs. */
export interface BridgeCase {
  host: Netns;
  pod: Netns;
  dir: string;
  a: DelegateArgs;
  c: BridgeConf;
  ipam: Ipam;
  w: BridgeWorld;
}

/** Runs `fn` with fresh namespaces, a store and container "c1"; removes them afterwards. */
export function withBridgeCase(
  fn: (t: BridgeCase) => Promise<void>,
  extra: Record<string, unknown> = {},
): Promise<void> {
  return withTempDir((dir) =>
    withNetns(2, async (host, pod) => {
      const conf = delegateConf(dir, extra);
      const a: DelegateArgs = {
        containerID: "c1",
        netns: pod.path,
        ifName: "eth0",
        args: "",
        env: {},
      };
      const ipam = ipamFor("host-local", conf, a, () => Promise.resolve());
      await fn({ host, pod, dir, a, c: parseBridgeConf(conf, ""), ipam, w: testWorld(host) });
    }, "cb")
  );
}
