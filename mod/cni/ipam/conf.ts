/**
 * host-local's configuration, read from the full network config the way the reference's
 * `LoadIPAMConfig` reads it: ranges from `ipam.ranges`, a legacy single range at `ipam`
 * level and `runtimeConfig.ipRanges` (both prepended), `rangeFromFile`; requested addresses
 * from `CNI_ARGS` `IP=`, `args.cni.ips` and `runtimeConfig.ips`; routes, dataDir, resolvConf.
 */
import { goFields, isPlainObject } from "../../config/json_fields.ts";
import { type IPAddr, tryParseCIDRWithHost, tryParseIP } from "../../ip/mod.ts";
import { loadArgs } from "../args.ts";
import { type CniDNS, type CniRoute, parseRoute } from "../result.ts";
import { versionAtLeast } from "../version.ts";
import { canonicalRangeSet, type RangeSet, rangeSetsOverlap } from "./range.ts";
import { DEFAULT_IPAM_DATA_DIR } from "./store.ts";
import { ConfigError } from "../../errors.ts";
import { goDecodeError } from "../go_decode.ts";
import { HOST_LOCAL_NET } from "./schema.ts";

/** The IPAM settings host-local acts on. */
export interface IpamConfig {
  /** Network name: the store directory under `dataDir`. */
  name: string;
  type: string;
  ranges: RangeSet[];
  routes: CniRoute[];
  dataDir: string;
  resolvConf: string;
  requestedIPs: IPAddr[];
}

function obj(v: unknown): Record<string, unknown> {
  return isPlainObject(v) ? v : {};
}

function ipArg(text: string): IPAddr | null {
  return tryParseIP(text) ?? tryParseCIDRWithHost(text)?.ip ?? null;
}

function requested(conf: Record<string, unknown>, envArgs: string): IPAddr[] {
  const out: IPAddr[] = [];
  const ipText = loadArgs(envArgs, ["IP"]).get("IP");
  if (ipText) {
    const ip = ipArg(ipText);
    if (ip === null) {
      throw new Error(
        `ARGS: error parsing value of pair "IP=${ipText}": invalid IP address ${ipText}`,
      );
    }
    out.push(ip);
  }
  // Elements were type-checked (strings that parse) by the schema; null ones are skipped.
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((s) => typeof s === "string") : []);
  const fromArgs = obj(goFields(obj(goFields(conf, ["args"]).get("args")), ["cni"]).get("cni"));
  const rc = obj(goFields(conf, ["runtimeConfig"]).get("runtimeConfig"));
  for (
    const text of [
      ...strings(goFields(fromArgs, ["ips"]).get("ips")),
      ...strings(goFields(rc, ["ips"]).get("ips")),
    ]
  ) {
    out.push(ipArg(text)!);
  }
  return out;
}

function rawRangeSets(ipam: Map<string, unknown>, rc: Record<string, unknown>): unknown[] {
  let sets: unknown[] = Array.isArray(ipam.get("ranges")) ? [...ipam.get("ranges") as []] : [];
  const subnet = ipam.get("subnet");
  if (typeof subnet === "string" && subnet !== "") {
    const single = Object.fromEntries(
      ["subnet", "rangeStart", "rangeEnd", "gateway"].map((k) => [k, ipam.get(k)]),
    );
    sets = [[single], ...sets];
  }
  if (Array.isArray(rc.ipRanges) && rc.ipRanges.length > 0) sets = [...rc.ipRanges, ...sets];
  const file = ipam.get("rangeFromFile");
  if (sets.length === 0 && typeof file === "string" && file !== "") {
    let text: string;
    try {
      text = Deno.readTextFileSync(file);
    } catch (err) {
      throw new Error(`failed to read rangeFromFile "${file}": ${(err as Error).message}`);
    }
    let single: unknown;
    try {
      single = JSON.parse(text);
    } catch {
      single = null;
    }
    if (!isPlainObject(single) || !single.subnet) {
      throw new Error(`failed to parse rangeFromFile "${file}" as a Range`);
    }
    sets = [[single]];
  }
  return sets;
}

function canonicalSets(raw: unknown[], cniVersion: string): RangeSet[] {
  if (raw.length === 0) throw new Error("no IP ranges specified");
  const sets = raw.map((s, i) => {
    try {
      return canonicalRangeSet(s);
    } catch (err) {
      throw new Error(`invalid range set ${i}: ${(err as Error).message}`);
    }
  });
  const v4 = sets.filter((s) => s[0]!.subnet.family === 4).length;
  if ((v4 > 1 || sets.length - v4 > 1) && !versionAtLeast(cniVersion || "0.1.0", "0.3.0")) {
    throw new Error(`CNI version ${cniVersion} does not support more than 1 address per family`);
  }
  for (let i = 0; i < sets.length; i++) {
    for (let j = i + 1; j < sets.length; j++) {
      if (rangeSetsOverlap(sets[i]!, sets[j]!)) {
        throw new Error(`range set ${i} overlaps with ${j}`);
      }
    }
  }
  return sets;
}

/** Reads the IPAM config from a network config object and `CNI_ARGS`. */
export function loadIpamConfig(conf: Record<string, unknown>, envArgs: string): IpamConfig {
  const bad = goDecodeError(conf, HOST_LOCAL_NET);
  if (bad !== null) throw new ConfigError(bad);
  const top = goFields(conf, ["name", "cniVersion", "ipam", "runtimeConfig"]);
  const ipamRaw = top.get("ipam");
  if (!isPlainObject(ipamRaw)) throw new Error("IPAM config missing 'ipam' key");
  const ipam = goFields(ipamRaw, [
    "type",
    "routes",
    "dataDir",
    "resolvConf",
    "ranges",
    "rangeFromFile",
    "subnet",
    "rangeStart",
    "rangeEnd",
    "gateway",
  ]);
  const requestedIPs = requested(conf, envArgs);
  const rc = obj(top.get("runtimeConfig"));
  const cniVersion = typeof top.get("cniVersion") === "string"
    ? top.get("cniVersion") as string
    : "";
  const ranges = canonicalSets(rawRangeSets(ipam, rc), cniVersion);
  const routes = Array.isArray(ipam.get("routes"))
    ? (ipam.get("routes") as unknown[]).filter(isPlainObject).map(parseRoute)
    : [];
  const str = (k: string) => (typeof ipam.get(k) === "string" ? ipam.get(k) as string : "");
  return {
    name: String(top.get("name") ?? ""),
    type: str("type"),
    ranges,
    routes,
    dataDir: str("dataDir") || DEFAULT_IPAM_DATA_DIR,
    resolvConf: str("resolvConf"),
    requestedIPs,
  };
}

/** The store an allocation lives in and how many range sets released it (host-local's DEL). */
export interface IpamStoreRef {
  name: string;
  dataDir: string;
  rangeSets: number;
}

/**
 * The store of a network config, read leniently for DEL: a missing or wrong-typed `dataDir`
 * means the default (where an ADD that accepted it would have allocated), ranges are only
 * counted. Unlike the reference, whose DEL decodes the whole config and fails with it, this
 * lets a DEL release the address even when the saved config is one no ADD could use.
 */
export function ipamStoreRef(conf: Record<string, unknown>): IpamStoreRef {
  const top = goFields(conf, ["name", "ipam", "runtimeConfig"]);
  const ipam = goFields(obj(top.get("ipam")), ["dataDir", "ranges", "subnet"]);
  const ipRanges = goFields(obj(top.get("runtimeConfig")), ["ipRanges"]).get("ipRanges");
  const count = (v: unknown) => (Array.isArray(v) ? v.length : 0);
  const name = top.get("name"), dataDir = ipam.get("dataDir"), subnet = ipam.get("subnet");
  const sets = count(ipam.get("ranges")) + count(ipRanges) +
    (typeof subnet === "string" && subnet !== "" ? 1 : 0);
  return {
    name: typeof name === "string" ? name : "",
    dataDir: typeof dataDir === "string" && dataDir !== "" ? dataDir : DEFAULT_IPAM_DATA_DIR,
    rangeSets: Math.max(1, sets),
  };
}

/** Reads a resolv.conf into a DNS block (nameserver, domain, search, options lines). */
export function parseResolvConf(path: string): CniDNS {
  const dns: CniDNS = {};
  for (const raw of Deno.readTextFileSync(path).split("\n")) {
    const line = raw.trim();
    if (line === "" || line[0] === "#" || line[0] === ";") continue;
    const [key, ...rest] = line.split(/\s+/);
    if (rest.length === 0) continue;
    if (key === "nameserver") (dns.nameservers ??= []).push(rest[0]!);
    else if (key === "domain") dns.domain = rest[0]!;
    else if (key === "search") (dns.search ??= []).push(...rest);
    else if (key === "options") (dns.options ??= []).push(...rest);
  }
  return dns;
}
