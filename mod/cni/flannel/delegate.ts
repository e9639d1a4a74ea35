/**
 * The delegate configuration flannel renders on ADD (spec/cni.md §2.3): the user's
 * `delegate` object filled with the node facts from subnet.env, plus an `ipam` section with
 * one range set per family and a route per cluster network. Pure.
 *
 * Design notes: serialisation matches the reference byte for byte: compact, keys sorted at
 * every level (Go maps) except route objects, which Go writes as a struct in the order
 * `dst, gw, mtu, advmss, priority, table, scope` — they are built as `Map`s for that.
 */
import { isPlainObject, jsonKind } from "../../config/json_fields.ts";
import { tryParseCIDRWithHost, tryParseIP } from "../../ip/mod.ts";
import { goJSON } from "../go_json.ts";
import type { FlannelNetConf } from "./conf.ts";
import type { SubnetEnv } from "./subnet_env.ts";

const has = (o: Record<string, unknown>, k: string) => Object.hasOwn(o, k);

function goKind(v: unknown): string {
  return typeof v === "boolean" ? "bool" : jsonKind(v);
}

function routeInt(r: Record<string, unknown>, key: string): number | undefined {
  const v = r[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v)) {
    const what = typeof v === "number" ? `number ${v}` : goKind(v);
    throw new Error(`json: cannot unmarshal ${what} into Go struct field route.${key} of type int`);
  }
  return v;
}

/** One `ipam.routes` entry as Go's `types.Route` re-encodes it (known fields, zeros dropped). */
function goRoute(raw: unknown): Map<string, unknown> {
  if (!isPlainObject(raw)) {
    throw new Error(`json: cannot unmarshal ${goKind(raw)} into Go value of type types.route`);
  }
  const dst = raw.dst;
  const net = typeof dst === "string" ? tryParseCIDRWithHost(dst) : null;
  if (net === null) {
    throw new Error(`invalid CIDR address: ${dst === undefined ? "" : String(dst)}`);
  }
  const out = new Map<string, unknown>([["dst", `${net.ip}/${net.net.prefixLen}`]]);
  if (raw.gw !== undefined && raw.gw !== null && raw.gw !== "") {
    const gw = typeof raw.gw === "string" ? tryParseIP(raw.gw) : null;
    if (gw === null) throw new Error(`invalid IP address: ${String(raw.gw)}`);
    out.set("gw", gw.toString());
  }
  for (const k of ["mtu", "advmss", "priority"]) {
    const v = routeInt(raw, k);
    if (v) out.set(k, v);
  }
  for (const k of ["table", "scope"]) {
    const v = routeInt(raw, k);
    if (v !== undefined) out.set(k, v);
  }
  return out;
}

function ipamRoutes(ipam: Record<string, unknown> | null): Map<string, unknown>[] {
  if (ipam === null || !has(ipam, "routes") || ipam.routes === null) return [];
  try {
    if (!Array.isArray(ipam.routes)) {
      throw new Error(
        `json: cannot unmarshal ${goKind(ipam.routes)} into Go value of type []types.Route`,
      );
    }
    return ipam.routes.map(goRoute);
  } catch (err) {
    throw new Error(
      `failed to assemble Delegate IPAM: failed to read IPAM routes: failed to parse ipam.routes: ${
        (err as Error).message
      }`,
    );
  }
}

function delegateIpam(n: FlannelNetConf, env: SubnetEnv): Record<string, unknown> {
  const ipam: Record<string, unknown> = { ...(n.ipam ?? {}) };
  if (!has(ipam, "type")) ipam.type = "host-local";
  ipam.ranges = [env.subnet, env.ip6Subnet]
    .filter((s) => s !== null)
    .map((s) => [{ subnet: s.toString() }]);
  ipam.routes = [
    ...ipamRoutes(n.ipam),
    ...[...env.networks, ...env.ip6Networks].map((nw) => new Map([["dst", nw.toString()]])),
  ];
  return ipam;
}

/** Step 3: the user's delegate object must leave `name` and `ipam` to flannel. */
function checkDelegate(d: Record<string, unknown>): void {
  if (has(d, "type") && typeof d.type !== "string") {
    throw new Error("'delegate' dictionary, if present, must have (string) 'type' field");
  }
  if (has(d, "name")) {
    throw new Error("'delegate' dictionary must not have 'name' field, it'll be set by flannel");
  }
  if (has(d, "ipam")) {
    throw new Error("'delegate' dictionary must not have 'ipam' field, it'll be set by flannel");
  }
}

/** Builds the delegate config object (steps 3–6). Throws upstream's messages. */
export function buildDelegate(n: FlannelNetConf, env: SubnetEnv): Record<string, unknown> {
  const d: Record<string, unknown> = { ...(n.delegate ?? {}) };
  checkDelegate(d);
  if (n.runtimeConfig !== null) d.runtimeConfig = n.runtimeConfig;
  d.name = n.name;
  if (!has(d, "type")) d.type = "bridge";
  if (!has(d, "ipMasq")) d.ipMasq = !env.ipMasq;
  if (!has(d, "mtu")) d.mtu = env.mtu;
  if (d.type === "bridge" && !has(d, "isGateway")) d.isGateway = true;
  if (n.cniVersion !== "") d.cniVersion = n.cniVersion;
  d.ipam = delegateIpam(n, env);
  return d;
}

/** The bytes the reference writes to the scratch file and sends to the delegate. */
export function serializeDelegate(d: Record<string, unknown>): string {
  return goJSON(d, { sortKeys: true });
}
