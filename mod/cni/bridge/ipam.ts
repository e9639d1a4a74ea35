/**
 * The bridge's IPAM step: host-local runs in-process (same store, same semantics), any other
 * IPAM type is exec'd from `CNI_PATH` with the full network config on stdin, as the
 * reference bridge's `ipam.ExecAdd`/`ExecDel`/`ExecCheck` do.
 */
import type { IPAddr } from "../../ip/mod.ts";
import type { DelegateArgs } from "../delegate.ts";
import { delegateAdd, delegateRun, type ExecEnv } from "../exec.ts";
import { ipamStoreRef, loadIpamConfig } from "../ipam/conf.ts";
import { hostLocalAdd, hostLocalCheck, hostLocalDel } from "../ipam/host_local.ts";
import { DiskStore } from "../ipam/store.ts";
import type { CniResult } from "../result.ts";

/** One attachment's IPAM. */
export interface Ipam {
  add(): Promise<CniResult>;
  del(): Promise<void>;
  check(): Promise<void>;
  /** Addresses recorded for the attachment (in-process store only; else []). Lenient, as DEL. */
  held(): Promise<IPAddr[]>;
}

/** The IPAM of `type` for the attachment in `a`, configured by the whole network `conf`. */
export function ipamFor(
  type: string,
  conf: Record<string, unknown>,
  a: DelegateArgs,
  writeStderr: ExecEnv["writeStderr"],
): Ipam {
  if (type === "host-local") {
    const load = () => loadIpamConfig(conf, a.args);
    const { containerID: id, ifName } = a;
    return {
      add: () => Promise.resolve().then(() => hostLocalAdd(load(), id, ifName)),
      // DEL reads the config leniently (ipamStoreRef): it must work for any saved config.
      del: () => Promise.resolve().then(() => hostLocalDel(ipamStoreRef(conf), id, ifName)),
      check: () => Promise.resolve().then(() => hostLocalCheck(load(), id, ifName)),
      held: () =>
        Promise.resolve().then(() => {
          const c = ipamStoreRef(conf);
          if (c.name === "") return [];
          const store = DiskStore.existing(c.dataDir, c.name);
          return store?.withLock(() => store.getByID(id, ifName)) ?? [];
        }),
    };
  }
  const x: ExecEnv = {
    env: { ...a.env, CNI_CONTAINERID: a.containerID, CNI_NETNS: a.netns, CNI_IFNAME: a.ifName },
    writeStderr,
  };
  const stdin = () => new TextEncoder().encode(JSON.stringify(conf));
  return {
    add: async () => (await delegateAdd(type, stdin(), x)).result,
    del: () => delegateRun(type, "DEL", stdin(), x),
    check: () => delegateRun(type, "CHECK", stdin(), x),
    held: () => Promise.resolve([]),
  };
}
