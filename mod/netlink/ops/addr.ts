/**
 * Address operations (`ip addr add|replace|del|show`): pure request builders matching what
 * iproute2 sends (IFA_LOCAL and IFA_ADDRESS both set; flags above 0xff in IFA_FLAGS), and
 * {@linkcode AddrOps} running them on a connection.
 */
import type { IPAddr } from "../../ip/mod.ts";
import type { Addr } from "../codec/addr.ts";
import * as K from "../codec/consts.ts";
import type { RequestOf } from "../codec/message.ts";
import type { Conn } from "../conn.ts";

/** `ADDRESS/PREFIX [peer P] [broadcast B] [label L] [scope S] dev X`. */
export interface AddrSpec {
  index: number;
  address: IPAddr;
  prefixLen: number;
  /** Point-to-point peer (IFA_ADDRESS); defaults to `address`. */
  peer?: IPAddr;
  broadcast?: IPAddr;
  label?: string;
  /** RT_SCOPE_* (default universe). */
  scope?: number;
  /** IFA_F_* (e.g. IFA_F_NODAD, IFA_F_NOPREFIXROUTE). */
  flags?: number;
}

/** A request with an `Addr` body. */
export type AddrRequest = RequestOf<"addr">;

/** The AF_* of an address. */
export function afOf(ip: IPAddr): number {
  return ip.family === 4 ? K.AF_INET : K.AF_INET6;
}

function body(s: AddrSpec): Addr {
  const flags = s.flags ?? 0;
  const a: Addr = {
    family: afOf(s.address),
    prefixLen: s.prefixLen,
    ifaFlags: flags & 0xff,
    scope: s.scope ?? K.RT_SCOPE_UNIVERSE,
    index: s.index,
    local: s.address,
    address: s.peer ?? s.address,
  };
  if (s.label !== undefined) a.label = s.label;
  if (s.broadcast !== undefined) a.broadcast = s.broadcast;
  if (flags > 0xff) a.flags = flags;
  return a;
}

const ACK = K.NLM_F_REQUEST | K.NLM_F_ACK;

/** Equivalent to `ip addr add A/P dev X` (EEXIST if present). */
export function addrAdd(s: AddrSpec): AddrRequest {
  return {
    kind: "addr",
    type: K.RTM_NEWADDR,
    flags: ACK | K.NLM_F_CREATE | K.NLM_F_EXCL,
    body: body(s),
  };
}

/** Equivalent to `ip addr replace A/P dev X`. */
export function addrReplace(s: AddrSpec): AddrRequest {
  return {
    kind: "addr",
    type: K.RTM_NEWADDR,
    flags: ACK | K.NLM_F_CREATE | K.NLM_F_REPLACE,
    body: body(s),
  };
}

/** Equivalent to `ip addr del A/P dev X` (EADDRNOTAVAIL if absent). */
export function addrDel(s: AddrSpec): AddrRequest {
  return { kind: "addr", type: K.RTM_DELADDR, flags: ACK, body: body(s) };
}

/** Equivalent to `ip [-4|-6] addr show` (dump; family AF_UNSPEC = both). */
export function addrDump(family: number = K.AF_UNSPEC): AddrRequest {
  const b: Addr = { family, prefixLen: 0, ifaFlags: 0, scope: 0, index: 0 };
  return { kind: "addr", type: K.RTM_GETADDR, flags: K.NLM_F_REQUEST | K.NLM_F_DUMP, body: b };
}

/** Address operations on one connection. */
export class AddrOps {
  readonly #conn: Conn;
  constructor(conn: Conn) {
    this.#conn = conn;
  }

  /** `ip addr add A/P dev X`. */
  add(spec: AddrSpec): void {
    this.#conn.exec(addrAdd(spec));
  }

  /** `ip addr replace A/P dev X`. */
  replace(spec: AddrSpec): void {
    this.#conn.exec(addrReplace(spec));
  }

  /** `ip addr del A/P dev X`. */
  del(spec: AddrSpec): void {
    this.#conn.exec(addrDel(spec));
  }

  /** `ip addr show [dev X]` for a family (AF_INET, AF_INET6, or both by default). */
  list(filter: { index?: number; family?: number } = {}): Addr[] {
    const all = this.#conn.dump(addrDump(filter.family));
    return filter.index === undefined ? all : all.filter((a) => a.index === filter.index);
  }
}
