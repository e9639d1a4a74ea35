/**
 * host-local IPAM in-process: ADD, DEL, CHECK and GC over the shared on-disk store, with the
 * reference plugin's semantics and error texts (spec/cni.md §3.3).
 *
 * Design notes: the reference takes the store lock around each range set's allocation and
 * each release; here one lock is held for the whole ADD (or DEL), which is never less safe
 * and keeps a dual-stack allocation atomic against concurrent writers. Synchronous, like
 * the store (see store.ts).
 */
import type { IPAddr } from "../../ip/mod.ts";
import type { CniResult } from "../result.ts";
import { allocate, type Allocation } from "./allocator.ts";
import { type IpamConfig, type IpamStoreRef, parseResolvConf } from "./conf.ts";
import { rangeContains } from "./range.ts";
import { DiskStore } from "./store.ts";

/** A (container, interface) pair a runtime still considers alive. */
export interface Attachment {
  containerID: string;
  ifname: string;
}

function takeRequested(conf: IpamConfig, left: IPAddr[], setIdx: number): IPAddr | null {
  const i = left.findIndex((ip) => conf.ranges[setIdx]!.some((r) => rangeContains(r, ip)));
  return i < 0 ? null : left.splice(i, 1)[0]!;
}

function allocateAll(store: DiskStore, conf: IpamConfig, id: string, ifname: string): Allocation[] {
  const left = [...conf.requestedIPs];
  const out: Allocation[] = [];
  for (let i = 0; i < conf.ranges.length; i++) {
    const want = takeRequested(conf, left, i);
    try {
      out.push(allocate(store, conf.ranges[i]!, String(i), id, ifname, want));
    } catch (err) {
      if (out.length) store.releaseByID(id, ifname);
      throw new Error(`failed to allocate for range ${i}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
  if (left.length > 0) {
    if (out.length) store.releaseByID(id, ifname);
    throw new Error(`failed to allocate all requested IPs: ${left.join(" ")}`);
  }
  return out;
}

/** Allocates one address per range set; the result has no interfaces (an IPAM result). */
export function hostLocalAdd(conf: IpamConfig, id: string, ifname: string): CniResult {
  const dns = conf.resolvConf ? parseResolvConf(conf.resolvConf) : {};
  const store = DiskStore.open(conf.dataDir, conf.name);
  const allocs = store.withLock(() => allocateAll(store, conf, id, ifname));
  return {
    cniVersion: "1.1.0",
    interfaces: [],
    ips: allocs.map((a) => ({ address: `${a.ip}/${a.prefixLen}`, gateway: a.gateway.toString() })),
    routes: conf.routes.map((r) => ({ ...r })),
    dns,
  };
}

/**
 * Releases every address of (id, ifname); nothing allocated is success. Takes a full config
 * or the lenient {@linkcode ipamStoreRef} of one; a config without a network name or a store
 * directory has nothing to release.
 */
export function hostLocalDel(conf: IpamConfig | IpamStoreRef, id: string, ifname: string): void {
  if (conf.name === "") return;
  const sets = "rangeSets" in conf ? conf.rangeSets : conf.ranges.length;
  // No store directory: nothing was allocated (and a DEL must not fail on a path that cannot
  // be one, where the reference's mkdir fails every retry).
  const store = DiskStore.existing(conf.dataDir, conf.name);
  store?.withLock(() => {
    // Once per range set, as the reference does (its legacy fallback is per call).
    for (let i = 0; i < sets; i++) store.releaseByID(id, ifname);
  });
}

/** Fails unless some address is recorded for (id, ifname) (or for a bare `id`). */
export function hostLocalCheck(conf: IpamConfig, id: string, ifname: string): void {
  const store = DiskStore.open(conf.dataDir, conf.name);
  const found = store.withLock(() => {
    const all = store.list();
    return all.some((a) => a.id === id.trim() && a.ifname === ifname) ||
      all.some((a) => a.id === id.trim() && a.ifname === "");
  });
  if (!found) throw new Error(`host-local: Failed to find address added by container ${id}`);
}

/**
 * Releases addresses owned by attachments not in `valid`. Old-format files (id only) are kept
 * while any valid attachment has that id. Returns the released addresses.
 */
export function hostLocalGC(dataDir: string, network: string, valid: Attachment[]): IPAddr[] {
  const store = DiskStore.open(dataDir, network);
  return store.withLock(() => {
    const stale = store.list().filter((a) =>
      !valid.some((v) => v.containerID === a.id && (a.ifname === "" || v.ifname === a.ifname))
    ).map((a) => a.ip);
    store.release(stale);
    return stale;
  });
}
