/**
 * Entries ↔ rtnetlink messages, as pure functions: what the reconciler sends for an op, and
 * what a dump reply means as an observed entry.
 *
 * Design notes: requests carry `NLM_F_CREATE | NLM_F_REPLACE` (replace semantics, idempotent)
 * and no `NLM_F_ACK` — the kernel reports a failing message without it, so a batch costs
 * one acknowledged message at the end (the connection adds that). Routes go to table main
 * with flannel's route protocol. Entries name devices; ifindexes are resolved by the caller
 * at send time, so a recreated device (new index) is handled by the same code.
 */
import * as K from "../netlink/codec/consts.ts";
import type { Neigh } from "../netlink/codec/neigh.ts";
import type { Route } from "../netlink/codec/route.ts";
import type { Family } from "../ip/mod.ts";
import type { Observed, Op } from "./diff.ts";
import type { Entry } from "./entries.ts";

/** A request without seq/pid (the connection numbers it). */
export type Request =
  | { kind: "route"; type: number; flags: number; body: Route }
  | { kind: "neigh"; type: number; flags: number; body: Neigh };

const afOf = (f: Family) => (f === 4 ? K.AF_INET : K.AF_INET6);
const familyOf = (e: Entry): Family =>
  e.kind === "route" ? e.dst.family : e.kind === "neigh" ? e.ip.family : e.dst.family;

function routeBody(e: Extract<Entry, { kind: "route" }>, ifindex: number, protocol: number): Route {
  const body: Route = {
    family: afOf(e.dst.family),
    dst: e.dst,
    tos: 0,
    rtmTable: K.RT_TABLE_MAIN,
    protocol,
    scope: e.gateway === null ? K.RT_SCOPE_LINK : K.RT_SCOPE_UNIVERSE,
    type: K.RTN_UNICAST,
    flags: e.onlink ? K.RTNH_F_ONLINK : 0,
    oif: ifindex,
  };
  if (e.gateway !== null) body.gateway = e.gateway;
  return body;
}

function neighBody(e: Exclude<Entry, { kind: "route" }>, ifindex: number): Neigh {
  if (e.kind === "neigh") {
    return {
      family: afOf(e.ip.family),
      index: ifindex,
      state: K.NUD_PERMANENT,
      flags: 0,
      type: 0,
      dst: e.ip,
      lladdr: e.mac,
    };
  }
  return {
    family: K.AF_BRIDGE,
    index: ifindex,
    state: K.NUD_PERMANENT,
    flags: K.NTF_SELF,
    type: 0,
    lladdr: e.mac,
    dst: e.dst,
  };
}

/**
 * The request for an op, e.g. `ip route replace … proto 242`, `ip neigh replace … nud
 * permanent`, `bridge fdb replace … self permanent`, or the matching `del`.
 */
export function opRequest(op: Op, ifindex: number, protocol: number): Request {
  const e = op.entry;
  const add = op.op === "replace";
  const flags = K.NLM_F_REQUEST | (add ? K.NLM_F_CREATE | K.NLM_F_REPLACE : 0);
  if (e.kind === "route") {
    return {
      kind: "route",
      type: add ? K.RTM_NEWROUTE : K.RTM_DELROUTE,
      flags,
      body: routeBody(e, ifindex, protocol),
    };
  }
  return {
    kind: "neigh",
    type: add ? K.RTM_NEWNEIGH : K.RTM_DELNEIGH,
    flags,
    body: neighBody(e, ifindex),
  };
}

/** Family of an entry (for dumps and logs). */
export { familyOf as entryFamily };

/**
 * An observed route of table main, or null for what flannel never manages (other tables,
 * non-unicast, multipath without an oif, unknown devices).
 */
export function observeRoute(r: Route, names: ReadonlyMap<number, string>): Observed | null {
  const table = r.table ?? r.rtmTable;
  if (table !== K.RT_TABLE_MAIN || r.type !== K.RTN_UNICAST || r.dst === undefined) return null;
  const dev = r.oif === undefined ? undefined : names.get(r.oif);
  if (dev === undefined) return null;
  return {
    entry: {
      kind: "route",
      dst: r.dst,
      gateway: r.gateway ?? null,
      dev,
      onlink: (r.flags & K.RTNH_F_ONLINK) !== 0,
    },
    protocol: r.protocol,
  };
}

/** An observed neighbour or FDB entry (FDB: only those with a remote `dst`), else null. */
export function observeNeigh(n: Neigh, names: ReadonlyMap<number, string>): Observed | null {
  const dev = names.get(n.index);
  if (dev === undefined || n.dst === undefined || n.lladdr === undefined) return null;
  const permanent = (n.state & K.NUD_PERMANENT) !== 0;
  if (n.family === K.AF_BRIDGE) {
    if ((n.flags & K.NTF_SELF) === 0) return null;
    return { entry: { kind: "fdb", dev, mac: n.lladdr, dst: n.dst }, permanent };
  }
  return { entry: { kind: "neigh", dev, ip: n.dst, mac: n.lladdr }, permanent };
}
