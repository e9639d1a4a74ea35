/**
 * Reading a host's flannel kernel state back with `ip -j` / `bridge -j`, and what it must be,
 * as sorted iproute2-like lines so a failing test prints a readable diff.
 */
import type { Host } from "../../../scripts/lab/cluster.ts";
import { parseCIDR } from "../../../mod/ip/mod.ts";

type J = Record<string, unknown>;

/** What one host publishes: its subnets (from subnet.env), VTEP MACs (from its devices). */
export interface Peer {
  host: Host;
  subnet: string | null;
  subnet6: string | null;
  mac4: string | null;
  mac6: string | null;
}

const net = (gwCidr: string | undefined) =>
  gwCidr === undefined ? null : parseCIDR(gwCidr).toString();

/** Reads a host's subnets and VTEP MACs once its agent is ready. */
export async function peerOf(h: Host, vni = 1): Promise<Peer> {
  const vars = await h.waitSubnetEnv();
  const mac = async (dev: string) => {
    const r = await h.ns.exec("ip", ["-j", "link", "show", dev]);
    return r.code === 0 ? (JSON.parse(r.stdout) as J[])[0]?.address as string : null;
  };
  return {
    host: h,
    subnet: net(vars.get("FLANNEL_SUBNET")),
    subnet6: net(vars.get("FLANNEL_IPV6_SUBNET")),
    mac4: await mac(`flannel.${vni}`),
    mac6: await mac(`flannel-v6.${vni}`),
  };
}

const base = (cidr: string) => cidr.split("/")[0]!;

/**
 * Which routes the readers count: `"242"` (default) — ours: proto 242 anywhere or any route on a
 * flannel device, printed with its protocol; `"any"` — also upstream flanneld's, which writes
 * proto boot: every route of table main the kernel did not make, printed as `proto any`.
 */
export type RouteProto = "242" | "any";

/** The lines {@linkcode vxlanState} must read on `self` for `peers`. */
export function expectedVxlan(
  self: Peer,
  peers: Peer[],
  vni = 1,
  proto: RouteProto = "242",
): string[] {
  const out: string[] = [];
  for (const p of peers) {
    if (p.host === self.host) continue;
    if (p.subnet && self.mac4 && p.mac4) {
      const dev = `flannel.${vni}`;
      out.push(`route ${p.subnet} via ${base(p.subnet)} dev ${dev} onlink proto ${proto}`);
      out.push(`neigh ${dev} ${base(p.subnet)} lladdr ${p.mac4} PERMANENT`);
      out.push(`fdb ${dev} ${p.mac4} dst ${p.host.ip4} self permanent`);
    }
    if (p.subnet6 && self.mac6 && p.mac6) {
      const dev = `flannel-v6.${vni}`;
      out.push(`route ${p.subnet6} via ${base(p.subnet6)} dev ${dev} onlink proto ${proto}`);
      out.push(`neigh ${dev} ${base(p.subnet6)} lladdr ${p.mac6} PERMANENT`);
      out.push(`fdb ${dev} ${p.mac6} dst ${p.host.ip6} self permanent`);
    }
  }
  return out.sort();
}

/** The lines {@linkcode hostGwState} must read on `self` for `peers`. */
export function expectedHostGw(self: Peer, peers: Peer[], proto: RouteProto = "242"): string[] {
  const out: string[] = [];
  for (const p of peers) {
    if (p.host === self.host) continue;
    if (p.subnet) out.push(`route ${p.subnet} via ${p.host.ip4} dev eth0 proto ${proto}`);
    if (p.subnet6) out.push(`route ${p.subnet6} via ${p.host.ip6} dev eth0 proto ${proto}`);
  }
  return out.sort();
}

async function json(h: Host, cmd: "ip" | "bridge", args: string[]): Promise<J[]> {
  const r = await h.ns.exec(cmd, ["-j", ...args]);
  if (r.code !== 0) return []; // device gone
  return r.stdout.trim() === "" ? [] : JSON.parse(r.stdout) as J[];
}

function routeLine(r: J, mode: RouteProto = "242"): string {
  const flags = (r.flags as string[] | undefined) ?? [];
  const proto = mode === "any"
    ? "any"
    : r.protocol === "242" || r.protocol === 242
    ? "242"
    : String(r.protocol ?? "boot");
  return `route ${r.dst}${r.gateway ? ` via ${r.gateway}` : ""} dev ${r.dev}` +
    (flags.includes("onlink") ? " onlink" : "") + ` proto ${proto}`;
}

/** Whether a route of table main is one a flannel may have written (`"any"`: of any protocol). */
function flannelRoute(r: J, devs: string[], mode: RouteProto): boolean {
  if (r.protocol === "kernel" || String(r.dst).startsWith("fe80")) return false;
  return mode === "any" || r.protocol === "242" || devs.includes(String(r.dev));
}

async function routeLines(h: Host, devs: string[], mode: RouteProto): Promise<string[]> {
  const out: string[] = [];
  for (const fam of ["-4", "-6"]) {
    for (const r of await json(h, "ip", [fam, "route", "show", "table", "main"])) {
      if (flannelRoute(r, devs, mode)) out.push(routeLine(r, mode));
    }
  }
  return out;
}

/**
 * Every route, neighbour and FDB entry on the flannel devices, plus every route flannel
 * could own elsewhere (proto 242 in table main; with `proto` `"any"`, every non-kernel route).
 */
export async function vxlanState(
  h: Host,
  vni = 1,
  network6 = true,
  proto: RouteProto = "242",
): Promise<string[]> {
  const devs = [`flannel.${vni}`, ...(network6 ? [`flannel-v6.${vni}`] : [])];
  const out = new Set<string>(await routeLines(h, devs, proto));
  for (const dev of devs) {
    for (const n of await json(h, "ip", ["neigh", "show", "dev", dev])) {
      const st = (n.state as string[] | undefined) ?? [];
      out.add(`neigh ${dev} ${n.dst} lladdr ${n.lladdr} ${st.join(",")}`);
    }
    for (const f of await json(h, "bridge", ["fdb", "show", "dev", dev])) {
      const flags = (f.flags as string[] | undefined) ?? [];
      out.add(
        `fdb ${dev} ${f.mac} dst ${f.dst ?? "-"} ${flags.join(",")} ${f.state ?? ""}`.trimEnd(),
      );
    }
  }
  return [...out].sort();
}

/**
 * Routes host-gw could own: proto 242 anywhere in table main (with `proto` `"any"`: every
 * route the kernel did not make, upstream's proto boot ones included).
 */
export async function hostGwState(h: Host, proto: RouteProto = "242"): Promise<string[]> {
  if (proto === "any") return (await routeLines(h, [], "any")).sort();
  const out: string[] = [];
  for (const fam of ["-4", "-6"]) {
    for (const r of await json(h, "ip", [fam, "route", "show", "table", "main", "proto", "242"])) {
      out.push(routeLine({ ...r, protocol: "242" }));
    }
  }
  return out.sort();
}
