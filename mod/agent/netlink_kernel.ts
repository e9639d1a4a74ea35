/**
 * The kernel over rtnetlink: the reconciler's {@linkcode KernelPort}, the backends'
 * {@linkcode DeviceOps} and the interface facts, on one connection.
 *
 * Design notes: everything goes through {@linkcode RtnlConn}, the few calls this file needs
 * (dumps, one batch send with per-message results, `ip route get`), so this file is tested with
 * a fake connection and mod/netlink stays free to shape its own API; main_agent.ts adapts the
 * real connection. Device names are resolved to indexes per call from a link dump: a device
 * recreated since (new index) is found again. Deleting a missing entry (ENOENT, ESRCH, or a
 * device that no longer exists) is success.
 */
import * as K from "../netlink/codec/consts.ts";
import type { Addr } from "../netlink/codec/addr.ts";
import type { Link } from "../netlink/codec/link.ts";
import type { Neigh } from "../netlink/codec/neigh.ts";
import type { Request } from "../netlink/codec/message.ts";
import type { Route } from "../netlink/codec/route.ts";
import { isErrno } from "../netlink/errors.ts";
import type { IPAddr } from "../ip/mod.ts";
import type { Observed, Op } from "../reconcile/diff.ts";
import type { Scope } from "../reconcile/ownership.ts";
import { observeNeigh, observeRoute, opRequest } from "../reconcile/netlink_map.ts";
import type { KernelPort } from "../reconcile/reconciler.ts";
import type { DeviceAddr, DeviceOps, LinkInfo, VxlanSpec } from "../../backends/contract.ts";
import type { IfaceFacts } from "./iface.ts";
import { deviceAddrOf, ifaceFacts, linkInfoOf, vxlanLinkBody } from "./netlink_facts.ts";

/** Any rtnetlink request this file sends. */
export type AnyRequest = Request;

/** The connection calls used here (implemented over mod/netlink by the composition root). */
export interface RtnlConn {
  dumpLinks(): Promise<Link[]>;
  dumpAddrs(family: number): Promise<Addr[]>;
  /** Routes of every table of `family` (AF_INET / AF_INET6). */
  dumpRoutes(family: number): Promise<Route[]>;
  /** Neighbours of `family`; AF_BRIDGE gives FDB entries. */
  dumpNeighs(family: number): Promise<Neigh[]>;
  /** {@linkcode dumpRoutes} one route at a time, none kept (a full pass reads thousands). */
  eachRoute(family: number, fn: (r: Route) => void): Promise<void>;
  /** {@linkcode dumpNeighs} one entry at a time, none kept. */
  eachNeigh(family: number, fn: (n: Neigh) => void): Promise<void>;
  /** `ip route get <ip>`. */
  routeGet(ip: IPAddr): Promise<Route>;
  /** Sends the requests as few batches; one result per request (null: applied). */
  send(reqs: readonly AnyRequest[]): Promise<(Error | null)[]>;
}

/** Writes `/proc/sys/net/<path>` (inside our network namespace). */
export type SysctlWriter = (path: string, value: string) => Promise<void>;

const MISSING = ["ENOENT", "ESRCH", "ENODEV", "EADDRNOTAVAIL"];
const FLAGS_NEW = K.NLM_F_REQUEST | K.NLM_F_CREATE | K.NLM_F_EXCL;
const FLAGS_REPLACE = K.NLM_F_REQUEST | K.NLM_F_CREATE | K.NLM_F_REPLACE;

function noDevice(name: string): Error {
  return new Error(`Cannot find device "${name}"`);
}

function linkBody(index: number, extra: Partial<Link> = {}): Link {
  return { family: K.AF_UNSPEC, ifType: 0, index, flags: 0, change: 0, ...extra };
}

function addrBody(index: number, a: DeviceAddr): Addr {
  return {
    family: a.ip.family === 4 ? K.AF_INET : K.AF_INET6,
    prefixLen: a.prefixLen,
    ifaFlags: a.ip.family === 6 ? K.IFA_F_NODAD : 0,
    scope: K.RT_SCOPE_UNIVERSE,
    index,
    local: a.ip,
    address: a.ip,
  };
}

export class NetlinkKernel implements KernelPort, DeviceOps {
  readonly #conn: RtnlConn;
  readonly #protocol: number;
  readonly #sysctl: SysctlWriter;
  /** Device name → ifindex from the last link dump; dropped when a device may have changed. */
  #indexes: Map<string, number> | null = null;

  constructor(conn: RtnlConn, protocol: number, sysctl: SysctlWriter) {
    this.#conn = conn;
    this.#protocol = protocol;
    this.#sysctl = sysctl;
  }

  async #links(): Promise<Link[]> {
    const links = await this.#conn.dumpLinks();
    this.#indexes = new Map(links.map((l) => [l.name ?? "", l.index]));
    return links;
  }

  async #index(name: string): Promise<number | null> {
    return (await this.#links()).find((l) => l.name === name)?.index ?? null;
  }

  async #sendOne(req: AnyRequest, okMissing = false): Promise<void> {
    const [err] = await this.#conn.send([req]);
    if (err && !(okMissing && isErrno(err, ...MISSING))) throw err;
  }

  // --- KernelPort ---

  async scan(scope: Scope, visit: (o: Observed) => void): Promise<void> {
    const links = await this.#links();
    const names = new Map(links.map((l) => [l.index, l.name ?? ""]));
    const ours = new Map(
      links.filter((l) => scope.devices.includes(l.name ?? "")).map((l) => [l.index, l.name!]),
    );
    for (const fam of [K.AF_INET, K.AF_INET6]) {
      await this.#conn.eachRoute(fam, (r) => {
        const o = observeRoute(r, names);
        if (o !== null) visit(o);
      });
    }
    if (ours.size === 0) return;
    for (const fam of [K.AF_INET, K.AF_INET6, K.AF_BRIDGE]) {
      await this.#conn.eachNeigh(fam, (n) => {
        const o = observeNeigh(n, ours);
        if (o !== null) visit(o);
      });
    }
  }

  /** What {@linkcode scan} visits, collected (tests, tools). */
  async read(scope: Scope): Promise<Observed[]> {
    const out: Observed[] = [];
    await this.scan(scope, (o) => out.push(o));
    return out;
  }

  async apply(ops: readonly Op[]): Promise<(Error | null)[]> {
    // The event path: reuse the last link dump (a dump per event would cost more than the change).
    const index = this.#indexes ?? (await this.#links(), this.#indexes!);
    const results: (Error | null)[] = ops.map(() => null);
    const reqs: AnyRequest[] = [];
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
    const sent = reqs.length === 0 ? [] : await this.#conn.send(reqs);
    if (sent.some((err) => isErrno(err, "ENODEV")) || results.some((r) => r !== null)) {
      this.#indexes = null; // a device changed under us: look again next time
    }
    sent.forEach((err, j) => {
      const i = at[j]!;
      results[i] = err !== null && ops[i]!.op === "delete" && isErrno(err, ...MISSING) ? null : err;
    });
    return results;
  }

  // --- DeviceOps ---

  async getLink(name: string): Promise<LinkInfo | null> {
    const l = (await this.#links()).find((x) => x.name === name);
    return l === undefined ? null : linkInfoOf(l);
  }

  async addVxlan(spec: VxlanSpec): Promise<void> {
    await this.#sendOne({
      kind: "link",
      type: K.RTM_NEWLINK,
      flags: FLAGS_NEW,
      body: vxlanLinkBody(spec),
    });
  }

  async deleteLink(name: string): Promise<void> {
    const idx = await this.#index(name);
    if (idx === null) return;
    await this.#sendOne({
      kind: "link",
      type: K.RTM_DELLINK,
      flags: K.NLM_F_REQUEST,
      body: linkBody(idx),
    }, true);
  }

  async setMtuUp(name: string, mtu: number): Promise<void> {
    const idx = await this.#index(name);
    if (idx === null) throw noDevice(name);
    const body = linkBody(idx, { flags: K.IFF_UP, change: K.IFF_UP, mtu });
    await this.#sendOne({ kind: "link", type: K.RTM_NEWLINK, flags: K.NLM_F_REQUEST, body });
  }

  async listAddrs(name: string): Promise<DeviceAddr[]> {
    const idx = await this.#index(name);
    if (idx === null) return [];
    const all = [
      ...await this.#conn.dumpAddrs(K.AF_INET),
      ...await this.#conn.dumpAddrs(K.AF_INET6),
    ];
    return all.filter((a) => a.index === idx).map(deviceAddrOf).filter((a) => a !== null);
  }

  async addAddr(name: string, a: DeviceAddr): Promise<void> {
    const idx = await this.#index(name);
    if (idx === null) throw noDevice(name);
    await this.#sendOne({
      kind: "addr",
      type: K.RTM_NEWADDR,
      flags: FLAGS_REPLACE,
      body: addrBody(idx, a),
    });
  }

  async delAddr(name: string, a: DeviceAddr): Promise<void> {
    const idx = await this.#index(name);
    if (idx === null) return;
    await this.#sendOne({
      kind: "addr",
      type: K.RTM_DELADDR,
      flags: K.NLM_F_REQUEST,
      body: addrBody(idx, a),
    }, true);
  }

  setSysctl(path: string, value: string): Promise<void> {
    return this.#sysctl(path, value);
  }

  // --- interface facts ---

  /** Links, addresses, default routes and (when asked) the route to `canReach`. */
  async readFacts(canReach: IPAddr | null): Promise<IfaceFacts> {
    const links = await this.#links();
    const addrs = [
      ...await this.#conn.dumpAddrs(K.AF_INET),
      ...await this.#conn.dumpAddrs(K.AF_INET6),
    ];
    const routes = [
      ...await this.#conn.dumpRoutes(K.AF_INET),
      ...await this.#conn.dumpRoutes(K.AF_INET6),
    ];
    const reach = canReach === null ? null : await this.#conn.routeGet(canReach).catch(() => null);
    return ifaceFacts(links, addrs, routes, reach);
  }
}

/** Writes `/proc/sys/net/<path>` of the calling process's namespace. */
export const procSysctl: SysctlWriter = (path, value) =>
  Deno.writeTextFile(`/proc/sys/net/${path}`, value);
