/**
 * A request as the iproute2 command it equals (`ip neigh replace 10.244.2.0 lladdr … dev #6
 * nud permanent`), for error messages and logs. Devices known only by index print as `#6`.
 * Built only when something fails, so batches of thousands pay nothing for it.
 */
import * as K from "./consts.ts";
import type { Addr } from "./addr.ts";
import type { Link } from "./link.ts";
import type { Request } from "./message.ts";
import type { Neigh } from "./neigh.ts";
import type { Route } from "./route.ts";

const dev = (index: number | undefined, name?: string) => (name ? name : `#${index ?? 0}`);

function verb(type: number, flags: number, base: number): string {
  const off = type - base;
  if (off === 2) return flags & K.NLM_F_DUMP ? "show" : "get";
  if (off === 1) return "del";
  if (flags & K.NLM_F_REPLACE) return "replace";
  if (flags & K.NLM_F_APPEND) return "append";
  return flags & K.NLM_F_CREATE ? "add" : "set";
}

function linkText(type: number, flags: number, l: Link): string {
  if (l.family === K.AF_BRIDGE) {
    const p = l.protinfo;
    const on = (
      v: boolean | undefined,
      k: string,
    ) => (v === undefined ? "" : ` ${k} ${v ? "on" : "off"}`);
    return `bridge link set dev ${dev(l.index, l.name)}` +
      on(p?.hairpin, "hairpin") + on(p?.learning, "learning") + on(p?.isolated, "isolated");
  }
  const v = verb(type, flags, K.RTM_NEWLINK);
  if (type === K.RTM_SETLINK) return `ip link set dev ${dev(l.index, l.name)}`;
  if (v === "show") return "ip link show";
  const opts = [
    l.change & K.IFF_UP ? (l.flags & K.IFF_UP ? "up" : "down") : "",
    l.mtu !== undefined ? `mtu ${l.mtu}` : "",
    l.mac !== undefined ? `address ${l.mac}` : "",
    l.master !== undefined ? (l.master ? `master #${l.master}` : "nomaster") : "",
    l.netnsFd !== undefined || l.netnsPid !== undefined ? "netns …" : "",
    v === "add" && l.info ? `type ${l.info.kind}` : "",
  ].filter(Boolean);
  const target = v === "add" ? (l.name ?? "") : `dev ${dev(l.index, l.name)}`;
  return [`ip link ${v}`, target, ...opts].filter(Boolean).join(" ");
}

function addrText(type: number, flags: number, a: Addr): string {
  const v = verb(type, flags, K.RTM_NEWADDR);
  if (v === "show") return "ip addr show";
  const ip = a.local ?? a.address;
  return `ip addr ${v} ${ip ?? "?"}/${a.prefixLen} dev #${a.index}`;
}

function routeText(type: number, flags: number, r: Route): string {
  const v = verb(type, flags, K.RTM_NEWROUTE);
  if (v === "show") return "ip route show";
  const parts = [`ip route ${v === "set" ? "change" : v}`];
  if (r.type === K.RTN_BLACKHOLE) parts.push("blackhole");
  parts.push(v === "get" ? String(r.dst?.ip ?? "?") : String(r.dst ?? "?"));
  if (r.gateway) parts.push(`via ${r.gateway}`);
  if (r.oif !== undefined) parts.push(`dev #${r.oif}`);
  if (r.flags & K.RTNH_F_ONLINK) parts.push("onlink");
  const table = r.table ?? r.rtmTable;
  if (table !== K.RT_TABLE_MAIN && table !== K.RT_TABLE_UNSPEC) parts.push(`table ${table}`);
  return parts.join(" ");
}

function neighText(type: number, flags: number, n: Neigh): string {
  const v = verb(type, flags, K.RTM_NEWNEIGH);
  if (n.family === K.AF_BRIDGE) {
    if (v === "show") return "bridge fdb show";
    const dst = n.dst ? ` dst ${n.dst}` : "";
    const self = n.flags & K.NTF_SELF ? " self" : "";
    return `bridge fdb ${v} ${n.lladdr ?? "?"} dev #${n.index}${self}${dst}`;
  }
  if (v === "show") return "ip neigh show";
  const ll = n.lladdr ? ` lladdr ${n.lladdr}` : "";
  return `ip neigh ${v} ${n.dst ?? "?"}${ll} dev #${n.index}`;
}

/** The iproute2 command `req` equals. */
export function describe(req: Request): string {
  switch (req.kind) {
    case "link":
      return linkText(req.type, req.flags, req.body);
    case "addr":
      return addrText(req.type, req.flags, req.body);
    case "route":
      return routeText(req.type, req.flags, req.body);
    case "neigh":
      return neighText(req.type, req.flags, req.body);
  }
}
