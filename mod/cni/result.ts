/**
 * CNI results: one internal shape (spec 1.1) and conversions to and from every spec version.
 *
 * Design notes: results are parsed from any version into {@linkcode CniResult} and printed in
 * a requested version as the Go library prints them (spec/cni.md §1.4): 1.x with every
 * object's keys sorted and `dns` left out when empty; 0.3.x/0.4.0 in struct order with
 * `ips[].version` and `"dns": {}`; 0.1.0/0.2.0 as `ip4`/`ip6` (first address of each family,
 * routes split by family). Addresses are re-printed canonically, as Go does after parsing.
 */
import { ParseError } from "../errors.ts";
import { isPlainObject, jsonKind } from "../config/json_fields.ts";
import { parseCIDRWithHost, parseIP } from "../ip/mod.ts";
import { goJSON } from "./go_json.ts";
import { versionAtLeast } from "./version.ts";

export interface CniInterface {
  name: string;
  mac?: string;
  mtu?: number;
  sandbox?: string;
  socketPath?: string;
  pciID?: string;
}

export interface CniIPConfig {
  /** Host address with the subnet's prefix (`10.244.1.2/24`). */
  address: string;
  gateway?: string;
  /** Index into `interfaces`. */
  interface?: number;
}

export interface CniRoute {
  dst: string;
  gw?: string;
  mtu?: number;
  advmss?: number;
  priority?: number;
  table?: number;
  scope?: number;
}

export interface CniDNS {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

/** A result in the current (1.1) shape; `cniVersion` is the version it was made for. */
export interface CniResult {
  cniVersion: string;
  interfaces: CniInterface[];
  ips: CniIPConfig[];
  routes: CniRoute[];
  dns: CniDNS;
}

const ROUTE_NUMBERS = ["mtu", "advmss", "priority", "table", "scope"] as const;

function str(o: Record<string, unknown>, key: string, what: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw new ParseError(`${what}: "${key}" must be a string`);
  return v;
}

function list(o: Record<string, unknown>, key: string): Record<string, unknown>[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every(isPlainObject)) {
    throw new ParseError(`result: "${key}" must be a list of objects, not ${jsonKind(v)}`);
  }
  return v;
}

function strList(o: Record<string, unknown>, key: string): string[] | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) {
    throw new ParseError(`result: dns "${key}" must be a list of strings`);
  }
  return v.length ? v : undefined;
}

function cidr(text: string | undefined, what: string): string {
  if (text === undefined) throw new ParseError(`${what} is missing`);
  const { ip, net } = parseCIDRWithHost(text);
  return `${ip}/${net.prefixLen}`;
}

function ipText(text: string | undefined): string | undefined {
  return text === undefined || text === "" ? undefined : parseIP(text).toString();
}

/** Parses one route object (`dst`, `gw` and the 1.1 numeric fields). */
export function parseRoute(o: Record<string, unknown>): CniRoute {
  const r: CniRoute = { dst: cidr(str(o, "dst", "route"), "route dst") };
  const gw = ipText(str(o, "gw", "route"));
  if (gw !== undefined) r.gw = gw;
  for (const k of ROUTE_NUMBERS) {
    const v = o[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== "number" || !Number.isInteger(v)) {
      throw new ParseError(`route: "${k}" must be an integer`);
    }
    r[k] = v;
  }
  return r;
}

function parseDNS(v: unknown): CniDNS {
  if (!isPlainObject(v)) return {};
  const dns: CniDNS = {};
  const ns = strList(v, "nameservers"), search = strList(v, "search"), opt = strList(v, "options");
  const domain = str(v, "domain", "dns");
  if (ns) dns.nameservers = ns;
  if (domain) dns.domain = domain;
  if (search) dns.search = search;
  if (opt) dns.options = opt;
  return dns;
}

function parseInterface(o: Record<string, unknown>): CniInterface {
  const i: CniInterface = { name: str(o, "name", "interface") ?? "" };
  for (const k of ["mac", "sandbox", "socketPath", "pciID"] as const) {
    const v = str(o, k, "interface");
    if (v) i[k] = v;
  }
  if (typeof o.mtu === "number" && o.mtu !== 0) i.mtu = o.mtu;
  return i;
}

function parseIPConfig(o: Record<string, unknown>, addrKey: string): CniIPConfig {
  const ip: CniIPConfig = { address: cidr(str(o, addrKey, "ip"), `ip "${addrKey}"`) };
  const gw = ipText(str(o, "gateway", "ip"));
  if (gw !== undefined) ip.gateway = gw;
  if (typeof o.interface === "number") ip.interface = o.interface;
  return ip;
}

/** Parses a result printed in spec `version` (a delegate's output, a `prevResult`). */
export function parseResult(raw: unknown, version: string): CniResult {
  if (!isPlainObject(raw)) throw new ParseError(`result must be an object, not ${jsonKind(raw)}`);
  const out: CniResult = { cniVersion: version, interfaces: [], ips: [], routes: [], dns: {} };
  out.dns = parseDNS(raw.dns);
  if (!versionAtLeast(version, "0.3.0")) {
    for (const key of ["ip4", "ip6"]) {
      const block = raw[key];
      if (!isPlainObject(block)) continue;
      out.ips.push(parseIPConfig(block, "ip"));
      out.routes.push(...list(block, "routes").map(parseRoute));
    }
    return out;
  }
  out.interfaces = list(raw, "interfaces").map(parseInterface);
  out.ips = list(raw, "ips").map((o) => parseIPConfig(o, "address"));
  out.routes = list(raw, "routes").map(parseRoute);
  return out;
}

function familyOf(cidrText: string): 4 | 6 {
  return cidrText.includes(":") ? 6 : 4;
}

function routeObject(r: CniRoute): Record<string, unknown> {
  return { dst: r.dst, gw: r.gw, ...Object.fromEntries(ROUTE_NUMBERS.map((k) => [k, r[k]])) };
}

function dnsObject(d: CniDNS): Record<string, unknown> {
  return { nameservers: d.nameservers, domain: d.domain, search: d.search, options: d.options };
}

function nonEmpty<T>(xs: T[]): T[] | undefined {
  return xs.length ? xs : undefined;
}

function legacyObject(r: CniResult, version: string): Record<string, unknown> {
  const out: Record<string, unknown> = { cniVersion: version };
  for (const fam of [4, 6] as const) {
    const ip = r.ips.find((i) => familyOf(i.address) === fam);
    if (!ip) continue;
    const routes = r.routes.filter((rt) => familyOf(rt.dst) === fam).map(routeObject);
    out[`ip${fam}`] = { ip: ip.address, gateway: ip.gateway, routes: nonEmpty(routes) };
  }
  if (!out.ip4 && !out.ip6) throw new ParseError("cannot convert: no valid IP addresses");
  out.dns = dnsObject(r.dns);
  return out;
}

function v04Object(r: CniResult, version: string): Record<string, unknown> {
  return {
    cniVersion: version,
    interfaces: nonEmpty(
      r.interfaces.map((i) => ({ name: i.name, mac: i.mac, sandbox: i.sandbox })),
    ),
    ips: nonEmpty(r.ips.map((i) => ({
      version: String(familyOf(i.address)),
      interface: i.interface,
      address: i.address,
      gateway: i.gateway,
    }))),
    routes: nonEmpty(r.routes.map(routeObject)),
    dns: dnsObject(r.dns),
  };
}

function v1Object(r: CniResult, version: string): Record<string, unknown> {
  const dns = dnsObject(r.dns);
  return {
    cniVersion: version,
    interfaces: nonEmpty(r.interfaces.map((i) => ({ ...i }))),
    ips: nonEmpty(r.ips.map((i) => ({ ...i }))),
    routes: nonEmpty(r.routes.map(routeObject)),
    dns: Object.values(dns).some((v) => v !== undefined) ? dns : undefined,
  };
}

/** The result as the Go library prints it for spec `version` (4-space indent, no newline). */
export function formatResult(r: CniResult, version: string): string {
  if (!versionAtLeast(version, "0.3.0")) {
    return goJSON(legacyObject(r, version), { indent: "    " });
  }
  if (!versionAtLeast(version, "1.0.0")) return goJSON(v04Object(r, version), { indent: "    " });
  return goJSON(v1Object(r, version), { indent: "    ", sortKeys: true });
}
