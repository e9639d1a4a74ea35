/**
 * Entries ↔ rtnetlink messages, as pure functions: what the reconciler sends for an op, and
 * what a dump reply means as an observed entry.
 *
 * Design notes: the requests are mod/netlink's own builders (ops/route.ts, ops/neigh.ts) with
 * replace semantics (`NLM_F_CREATE | NLM_F_REPLACE`, idempotent); in a batch the connection
 * keeps `NLM_F_ACK` on the last message only — the kernel reports a failing message without
 * it, so a batch costs one acknowledged message at the end. Routes go to table main with
 * flannel's route protocol; a delete names the same protocol, scope and type, so the kernel
 * deletes only a route of ours. Entries name devices; ifindexes are resolved by the caller at
 * send time, so a recreated device (new index) is handled by the same code.
 */
import * as K from "../netlink/codec/consts.ts";
import type { Neigh } from "../netlink/codec/neigh.ts";
import type { Route } from "../netlink/codec/route.ts";
import {
  fdbDel,
  fdbReplace,
  neighDel,
  neighReplace,
  type NeighRequest,
} from "../netlink/ops/neigh.ts";
import { routeDel, routeReplace, type RouteRequest, type RouteSpec } from "../netlink/ops/route.ts";
import type { Family } from "../ip/mod.ts";
import type { Observed, Op } from "./diff.ts";
import type { Entry, RouteEntry } from "./entries.ts";

/** What the reconciler sends for one op. */
export type OpRequest = RouteRequest | NeighRequest;

const familyOf = (e: Entry): Family =>
  e.kind === "route" ? e.dst.family : e.kind === "neigh" ? e.ip.family : e.dst.family;

/** `<dst> [via <gateway>] dev #<ifindex> [onlink] proto <protocol> scope … type unicast`. */
function routeSpec(e: RouteEntry, ifindex: number, protocol: number): RouteSpec {
  const spec: RouteSpec = {
    dst: e.dst,
    oif: ifindex,
    onlink: e.onlink,
    table: K.RT_TABLE_MAIN,
    protocol,
    scope: e.gateway === null ? K.RT_SCOPE_LINK : K.RT_SCOPE_UNIVERSE,
    type: K.RTN_UNICAST,
  };
  if (e.gateway !== null) spec.gateway = e.gateway;
  return spec;
}

/**
 * The request for an op, e.g. `ip route replace … proto 242`, `ip neigh replace … nud
 * permanent`, `bridge fdb replace … self permanent`, or the matching `del`.
 */
export function opRequest(op: Op, ifindex: number, protocol: number): OpRequest {
  const e = op.entry;
  const add = op.op === "replace";
  switch (e.kind) {
    case "route": {
      const spec = routeSpec(e, ifindex, protocol);
      return add ? routeReplace(spec) : routeDel(spec);
    }
    case "neigh": {
      const spec = { index: ifindex, dst: e.ip, lladdr: e.mac };
      return add ? neighReplace(spec) : neighDel(spec);
    }
    case "fdb": {
      const spec = { index: ifindex, lladdr: e.mac, dst: e.dst, state: K.NUD_PERMANENT };
      return add ? fdbReplace(spec) : fdbDel(spec);
    }
  }
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
