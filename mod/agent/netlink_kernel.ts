/**
 * The kernel over rtnetlink: the reconciler's {@linkcode KernelPort}, the backends'
 * {@linkcode DeviceOps} and the interface facts, on one mod/netlink {@linkcode Rtnl}
 * connection (./agent_rtnl.ts opens it).
 *
 * Design notes:
 * - Every request is built by mod/netlink's ops builders (ops/*.ts, golden-tested against
 *   iproute2); this file only resolves names to ifindexes and decides what a failure means.
 *   Tests drive it over a fake kernel transport (tests/mod/netlink/fake_kernel.ts).
 * - Requests run on one synchronous socket (µs per call; the notes measured 500 k neighbour
 *   replaces/s batched), so these methods resolve at once; a reconciler's ops go out as one
 *   `Rtnl.batch`.
 * - Device names are resolved to indexes per call from a link dump: a device recreated since
 *   (new index) is found again. Deleting a missing entry (ENOENT, ESRCH, or a device that no
 *   longer exists) is success.
 */
import * as K from "../netlink/codec/consts.ts";
import type { Link } from "../netlink/codec/link.ts";
import { isErrno } from "../netlink/errors.ts";
import { routeDump } from "../netlink/ops/route.ts";
import { fdbDump, neighDump } from "../netlink/ops/neigh.ts";
import type { AddrSpec } from "../netlink/ops/addr.ts";
import type { Rtnl } from "../netlink/rtnl.ts";
import type { IPAddr } from "../ip/mod.ts";
import type { Observed, Op } from "../reconcile/diff.ts";
import type { Scope } from "../reconcile/ownership.ts";
import { observeNeigh, observeRoute, type OpRequest, opRequest } from "../reconcile/netlink_map.ts";
import type { KernelPort } from "../reconcile/reconciler.ts";
import type { DeviceAddr, DeviceOps, LinkInfo, VxlanSpec } from "../../backends/contract.ts";
import type { IfaceFacts } from "./iface.ts";
import { deviceAddrOf, ifaceFacts, linkInfoOf, vxlanLinkSpec } from "./netlink_facts.ts";

/** Writes `/proc/sys/net/<path>` (inside our network namespace). */
export type SysctlWriter = (path: string, value: string) => Promise<void>;

const MISSING = ["ENOENT", "ESRCH", "ENODEV", "EADDRNOTAVAIL"];
const FAMILIES = [K.AF_INET, K.AF_INET6];

function noDevice(name: string): Error {
  return new Error(`Cannot find device "${name}"`);
}

/** `fn`'s result or throw as a promise (the connection is synchronous). */
function now<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Runs `fn`; a missing object is success (`ip … del` of something already gone). */
function okIfMissing(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    if (!isErrno(err, ...MISSING)) throw err;
  }
}

/** `ip addr replace|del <ip>/<len> dev #<index>` (IPv6 without DAD, as flannel's). */
function addrSpec(index: number, a: DeviceAddr): AddrSpec {
  return {
    index,
    address: a.ip,
    prefixLen: a.prefixLen,
    flags: a.ip.family === 6 ? K.IFA_F_NODAD : 0,
  };
}

export class NetlinkKernel implements KernelPort, DeviceOps {
  readonly #nl: Rtnl;
  readonly #protocol: number;
  readonly #sysctl: SysctlWriter;
  /** Device name → ifindex from the last link dump; dropped when a device may have changed. */
  #indexes: Map<string, number> | null = null;

  constructor(nl: Rtnl, protocol: number, sysctl: SysctlWriter) {
    this.#nl = nl;
    this.#protocol = protocol;
    this.#sysctl = sysctl;
  }

  #links(): Link[] {
    const links = this.#nl.link.list();
    this.#indexes = new Map(links.map((l) => [l.name ?? "", l.index]));
    return links;
  }

  #index(name: string): number | null {
    return this.#links().find((l) => l.name === name)?.index ?? null;
  }

  #mustIndex(name: string): number {
    const idx = this.#index(name);
    if (idx === null) throw noDevice(name);
    return idx;
  }

  // --- KernelPort ---

  scan(scope: Scope, visit: (o: Observed) => void): Promise<void> {
    return now(() => this.#scan(scope, visit));
  }

  #scan(scope: Scope, visit: (o: Observed) => void): void {
    const links = this.#links();
    const names = new Map(links.map((l) => [l.index, l.name ?? ""]));
    const ours = new Map(
      links.filter((l) => scope.devices.includes(l.name ?? "")).map((l) => [l.index, l.name!]),
    );
    const seen = (o: Observed | null) => o !== null && visit(o);
    for (const fam of FAMILIES) {
      this.#nl.conn.dumpEach(routeDump(fam, "all"), (r) => seen(observeRoute(r, names)));
    }
    if (ours.size === 0) return;
    for (const req of [...FAMILIES.map((f) => neighDump(f)), fdbDump()]) {
      this.#nl.conn.dumpEach(req, (n) => seen(observeNeigh(n, ours)));
    }
  }

  /** What {@linkcode scan} visits, collected (tests, tools). */
  async read(scope: Scope): Promise<Observed[]> {
    const out: Observed[] = [];
    await this.scan(scope, (o) => out.push(o));
    return out;
  }

  apply(ops: readonly Op[]): Promise<(Error | null)[]> {
    return now(() => {
      // The event path: reuse the last link dump (a dump per event would cost more than the change).
      const index = this.#indexes ?? (this.#links(), this.#indexes!);
      const results: (Error | null)[] = ops.map(() => null);
      const reqs: OpRequest[] = [];
      const at: number[] = [];
      ops.forEach((op, i) => {
        const idx = index.get(op.entry.dev);
        if (idx === undefined) {
          // A deleted device took its entries with it; a replace must wait for it.
          if (op.op === "replace") results[i] = noDevice(op.entry.dev);
          return;
        }
        reqs.push(opRequest(op, idx, this.#protocol));
        at.push(i);
      });
      const sent = reqs.length === 0 ? [] : this.#nl.batch(reqs);
      if (sent.some((err) => isErrno(err, "ENODEV")) || results.some((r) => r !== null)) {
        this.#indexes = null; // a device changed under us: look again next time
      }
      sent.forEach((err, j) => {
        const i = at[j]!;
        results[i] = err !== null && ops[i]!.op === "delete" && isErrno(err, ...MISSING)
          ? null
          : err;
      });
      return results;
    });
  }

  // --- DeviceOps ---

  getLink(name: string): Promise<LinkInfo | null> {
    return now(() => {
      const l = this.#links().find((x) => x.name === name);
      return l === undefined ? null : linkInfoOf(l);
    });
  }

  addVxlan(spec: VxlanSpec): Promise<void> {
    return now(() => {
      this.#nl.link.add(vxlanLinkSpec(spec));
    });
  }

  deleteLink(name: string): Promise<void> {
    return now(() => {
      const idx = this.#index(name);
      if (idx !== null) okIfMissing(() => this.#nl.link.del(idx));
    });
  }

  setMtuUp(name: string, mtu: number): Promise<void> {
    return now(() => {
      this.#nl.link.set(this.#mustIndex(name), { up: true, mtu });
    });
  }

  listAddrs(name: string): Promise<DeviceAddr[]> {
    return now(() => {
      const idx = this.#index(name);
      if (idx === null) return [];
      return FAMILIES.flatMap((family) => this.#nl.addr.list({ family, index: idx }))
        .map(deviceAddrOf).filter((a) => a !== null);
    });
  }

  addAddr(name: string, a: DeviceAddr): Promise<void> {
    return now(() => {
      this.#nl.addr.replace(addrSpec(this.#mustIndex(name), a));
    });
  }

  delAddr(name: string, a: DeviceAddr): Promise<void> {
    return now(() => {
      const idx = this.#index(name);
      if (idx !== null) okIfMissing(() => this.#nl.addr.del(addrSpec(idx, a)));
    });
  }

  setSysctl(path: string, value: string): Promise<void> {
    return this.#sysctl(path, value);
  }

  // --- interface facts ---

  /** Links, addresses, default routes and (when asked) the route to `canReach`. */
  readFacts(canReach: IPAddr | null): Promise<IfaceFacts> {
    return now(() => {
      const links = this.#links();
      const addrs = FAMILIES.flatMap((family) => this.#nl.addr.list({ family }));
      const routes = FAMILIES.flatMap((family) => this.#nl.route.list({ family, table: "all" }));
      let reach = null;
      if (canReach !== null) {
        try {
          reach = this.#nl.route.get(canReach);
        } catch {
          reach = null; // unreachable: interface selection says so
        }
      }
      return ifaceFacts(links, addrs, routes, reach);
    });
  }
}

/** Writes `/proc/sys/net/<path>` of the calling process's namespace. */
export const procSysctl: SysctlWriter = (path, value) =>
  Deno.writeTextFile(`/proc/sys/net/${path}`, value);
