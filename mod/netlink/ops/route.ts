/**
 * Route operations (`ip route add|replace|del|get|show`): pure request builders with
 * iproute2's defaults (table main, proto boot, scope link for gateway-less unicast, scope
 * nowhere and wildcard type/proto for del), and {@linkcode RouteOps} running them.
 */
import { IPAddr, IPNet } from "../../ip/mod.ts";
import * as K from "../codec/consts.ts";
import type { RequestOf } from "../codec/message.ts";
import type { Route } from "../codec/route.ts";
import type { Conn } from "../conn.ts";

/** `[TYPE] DST [via GW] [dev #OIF] [onlink] [table T] [proto P] [scope S] [metric M] [src S]`. */
export interface RouteSpec {
  dst: IPNet;
  gateway?: IPAddr;
  oif?: number;
  onlink?: boolean;
  /** Table id (default RT_TABLE_MAIN). */
  table?: number;
  /** RTPROT_* (default RTPROT_BOOT, as iproute2). */
  protocol?: number;
  /** RT_SCOPE_* (default: link for unicast without gateway, else universe). */
  scope?: number;
  /** RTN_* (default RTN_UNICAST; RTN_BLACKHOLE for `ip route add blackhole …`). */
  type?: number;
  /** RTA_PRIORITY (`metric`). */
  priority?: number;
  /** RTA_PREFSRC (`src`). */
  prefsrc?: IPAddr;
}

/** A request with a `Route` body. */
export type RouteRequest = RequestOf<"route">;

const ACK = K.NLM_F_REQUEST | K.NLM_F_ACK;
const afOf = (n: { family: 4 | 6 }) => (n.family === 4 ? K.AF_INET : K.AF_INET6);

function withTable(r: Route, table: number): Route {
  if (table < 256) r.rtmTable = table;
  else {
    r.rtmTable = K.RT_TABLE_UNSPEC;
    r.table = table;
  }
  return r;
}

function body(s: RouteSpec, del: boolean): Route {
  const type = s.type ?? (del ? K.RTN_UNSPEC : K.RTN_UNICAST);
  const linkScope = type === K.RTN_UNICAST && !s.gateway;
  const r: Route = {
    family: afOf(s.dst),
    dst: s.dst,
    tos: 0,
    rtmTable: 0,
    protocol: s.protocol ?? (del ? K.RTPROT_UNSPEC : K.RTPROT_BOOT),
    scope: s.scope ??
      (del ? K.RT_SCOPE_NOWHERE : linkScope ? K.RT_SCOPE_LINK : K.RT_SCOPE_UNIVERSE),
    type,
    flags: s.onlink ? K.RTNH_F_ONLINK : 0,
  };
  if (s.gateway) r.gateway = s.gateway;
  if (s.priority !== undefined) r.priority = s.priority;
  if (s.prefsrc) r.prefsrc = s.prefsrc;
  withTable(r, s.table ?? K.RT_TABLE_MAIN);
  if (s.oif !== undefined) r.oif = s.oif;
  return r;
}

/** Equivalent to `ip route add …` (EEXIST if present). */
export function routeAdd(s: RouteSpec): RouteRequest {
  return {
    kind: "route",
    type: K.RTM_NEWROUTE,
    flags: ACK | K.NLM_F_CREATE | K.NLM_F_EXCL,
    body: body(s, false),
  };
}

/** Equivalent to `ip route replace …`. */
export function routeReplace(s: RouteSpec): RouteRequest {
  return {
    kind: "route",
    type: K.RTM_NEWROUTE,
    flags: ACK | K.NLM_F_CREATE | K.NLM_F_REPLACE,
    body: body(s, false),
  };
}

/** Equivalent to `ip route del …` (ESRCH if absent). Unset fields match anything. */
export function routeDel(s: RouteSpec): RouteRequest {
  return { kind: "route", type: K.RTM_DELROUTE, flags: ACK, body: body(s, true) };
}

/** Equivalent to `ip route get ADDR [oif #N]`. */
export function routeGet(dst: IPAddr, opts: { oif?: number } = {}): RouteRequest {
  const r: Route = {
    family: afOf(dst),
    dst: IPNet.of(dst, dst.bits),
    tos: 0,
    rtmTable: 0,
    protocol: 0,
    scope: 0,
    type: 0,
    flags: K.RTM_F_LOOKUP_TABLE,
  };
  if (opts.oif !== undefined) r.oif = opts.oif;
  return { kind: "route", type: K.RTM_GETROUTE, flags: K.NLM_F_REQUEST, body: r };
}

/** Equivalent to `ip [-6] route show [table T|all]` (dump; default table main). */
export function routeDump(
  family: number = K.AF_INET,
  table: number | "all" = K.RT_TABLE_MAIN,
): RouteRequest {
  const dst = IPNet.of(IPAddr.zero(family === K.AF_INET6 ? 6 : 4), 0);
  const r: Route = { family, dst, tos: 0, rtmTable: 0, protocol: 0, scope: 0, type: 0, flags: 0 };
  if (table !== "all") r.table = table;
  return { kind: "route", type: K.RTM_GETROUTE, flags: K.NLM_F_REQUEST | K.NLM_F_DUMP, body: r };
}

/** Route operations on one connection. */
export class RouteOps {
  readonly #conn: Conn;
  constructor(conn: Conn) {
    this.#conn = conn;
  }

  /** `ip route add …`. */
  add(spec: RouteSpec): void {
    this.#conn.exec(routeAdd(spec));
  }

  /** `ip route replace …`. */
  replace(spec: RouteSpec): void {
    this.#conn.exec(routeReplace(spec));
  }

  /** `ip route del …`. */
  del(spec: RouteSpec): void {
    this.#conn.exec(routeDel(spec));
  }

  /** `ip route get ADDR`: the route the kernel would use (`oif`, `prefsrc`, `gateway`). */
  get(dst: IPAddr, opts: { oif?: number } = {}): Route {
    return this.#conn.get(routeGet(dst, opts));
  }

  /** `ip [-6] route show [table T|all]` (default: IPv4, table main). */
  list(filter: { family?: number; table?: number | "all" } = {}): Route[] {
    return this.#conn.dump(routeDump(filter.family, filter.table));
  }
}
