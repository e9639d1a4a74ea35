/**
 * Neighbour (`ip neigh …`) and bridge FDB (`bridge fdb …`) operations: pure request builders
 * matching iproute2 and bridge, and {@linkcode NeighOps} / {@linkcode FdbOps}.
 *
 * Design notes: both use RTM_*NEIGH; an FDB entry is an AF_BRIDGE neighbour whose NDA_DST
 * is the remote VTEP. `bridge fdb … permanent` sends NUD_PERMANENT|NUD_NOARP and `self`
 * sets NTF_SELF (the entry lives in the vxlan device's own table, not a bridge's).
 */
import type { IPAddr } from "../../ip/mod.ts";
import * as K from "../codec/consts.ts";
import type { RequestOf } from "../codec/message.ts";
import type { Neigh } from "../codec/neigh.ts";
import type { Conn } from "../conn.ts";

/** `DST lladdr MAC dev #INDEX nud STATE`. */
export interface NeighSpec {
  index: number;
  dst: IPAddr;
  lladdr?: string;
  /** NUD_* (default NUD_PERMANENT). */
  state?: number;
  /** NTF_* (default 0). */
  flags?: number;
}

/** `MAC dev #INDEX [self] [dst IP] [port P] [vni N] permanent`. */
export interface FdbSpec {
  index: number;
  lladdr: string;
  /** The remote VTEP (vxlan). */
  dst?: IPAddr;
  /** NUD_* (default NUD_PERMANENT | NUD_NOARP, as `bridge fdb … permanent`). */
  state?: number;
  /** NTF_* (default NTF_SELF). */
  flags?: number;
  port?: number;
  vni?: number;
  vlan?: number;
  master?: number;
}

/** A request with a `Neigh` body. */
export type NeighRequest = RequestOf<"neigh">;

const ACK = K.NLM_F_REQUEST | K.NLM_F_ACK;
const REPLACE = ACK | K.NLM_F_CREATE | K.NLM_F_REPLACE;
const DUMP = K.NLM_F_REQUEST | K.NLM_F_DUMP;

function neighBody(s: NeighSpec): Neigh {
  const n: Neigh = {
    family: s.dst.family === 4 ? K.AF_INET : K.AF_INET6,
    index: s.index,
    state: s.state ?? K.NUD_PERMANENT,
    flags: s.flags ?? 0,
    type: 0,
    dst: s.dst,
  };
  if (s.lladdr !== undefined) n.lladdr = s.lladdr;
  return n;
}

function fdbBody(s: FdbSpec): Neigh {
  const n: Neigh = {
    family: K.AF_BRIDGE,
    index: s.index,
    state: s.state ?? (K.NUD_PERMANENT | K.NUD_NOARP),
    flags: s.flags ?? K.NTF_SELF,
    type: 0,
    lladdr: s.lladdr,
  };
  if (s.dst !== undefined) n.dst = s.dst;
  if (s.port !== undefined) n.port = s.port;
  if (s.vni !== undefined) n.vni = s.vni;
  if (s.vlan !== undefined) n.vlan = s.vlan;
  if (s.master !== undefined) n.master = s.master;
  return n;
}

/** Equivalent to `ip neigh replace DST lladdr MAC dev X nud permanent`. */
export function neighReplace(s: NeighSpec): NeighRequest {
  return { kind: "neigh", type: K.RTM_NEWNEIGH, flags: REPLACE, body: neighBody(s) };
}

/** Equivalent to `ip neigh del DST dev X` (ENOENT if absent). */
export function neighDel(s: NeighSpec): NeighRequest {
  return { kind: "neigh", type: K.RTM_DELNEIGH, flags: ACK, body: neighBody(s) };
}

/** Equivalent to `ip [-4|-6] neigh show` (dump; AF_UNSPEC also returns FDB entries). */
export function neighDump(family: number = K.AF_UNSPEC): NeighRequest {
  return {
    kind: "neigh",
    type: K.RTM_GETNEIGH,
    flags: DUMP,
    body: { family, index: 0, state: 0, flags: 0, type: 0 },
  };
}

/** Equivalent to `bridge fdb append MAC dev X self dst IP permanent` (adds another dst). */
export function fdbAppend(s: FdbSpec): NeighRequest {
  return {
    kind: "neigh",
    type: K.RTM_NEWNEIGH,
    flags: ACK | K.NLM_F_CREATE | K.NLM_F_APPEND,
    body: fdbBody(s),
  };
}

/** Equivalent to `bridge fdb replace MAC dev X self dst IP permanent`. */
export function fdbReplace(s: FdbSpec): NeighRequest {
  return { kind: "neigh", type: K.RTM_NEWNEIGH, flags: REPLACE, body: fdbBody(s) };
}

/** Equivalent to `bridge fdb del MAC dev X self dst IP` (ENOENT if absent). */
export function fdbDel(s: FdbSpec): NeighRequest {
  return { kind: "neigh", type: K.RTM_DELNEIGH, flags: ACK, body: fdbBody(s) };
}

/** Equivalent to `bridge fdb show [dev X]` (dump, filtered by the kernel when `index` > 0). */
export function fdbDump(index = 0): NeighRequest {
  const body = { family: K.AF_BRIDGE, index, state: 0, flags: 0, type: 0 };
  return { kind: "neigh", type: K.RTM_GETNEIGH, flags: DUMP, body };
}

/** Neighbour (ARP/ND) operations on one connection. */
export class NeighOps {
  readonly #conn: Conn;
  constructor(conn: Conn) {
    this.#conn = conn;
  }

  /** `ip neigh replace DST lladdr MAC dev X nud permanent`. */
  replace(spec: NeighSpec): void {
    this.#conn.exec(neighReplace(spec));
  }

  /** `ip neigh del DST dev X`. */
  del(spec: NeighSpec): void {
    this.#conn.exec(neighDel(spec));
  }

  /** `ip neigh show [dev X]`: IPv4 and IPv6 entries (or one `family`), no FDB entries. */
  list(filter: { index?: number; family?: number } = {}): Neigh[] {
    return this.#conn.dump(neighDump(filter.family)).filter((n) =>
      (n.family === K.AF_INET || n.family === K.AF_INET6) &&
      (filter.index === undefined || n.index === filter.index)
    );
  }
}

/** Bridge forwarding database operations on one connection. */
export class FdbOps {
  readonly #conn: Conn;
  constructor(conn: Conn) {
    this.#conn = conn;
  }

  /** `bridge fdb append MAC dev X self dst IP permanent`. */
  append(spec: FdbSpec): void {
    this.#conn.exec(fdbAppend(spec));
  }

  /** `bridge fdb replace MAC dev X self dst IP permanent`. */
  replace(spec: FdbSpec): void {
    this.#conn.exec(fdbReplace(spec));
  }

  /** `bridge fdb del MAC dev X self dst IP`. */
  del(spec: FdbSpec): void {
    this.#conn.exec(fdbDel(spec));
  }

  /** `bridge fdb show [dev X]`. */
  list(filter: { index?: number } = {}): Neigh[] {
    return this.#conn.dump(fdbDump(filter.index));
  }
}
