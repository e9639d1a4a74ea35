/**
 * The `bridge` delegate's configuration as the reference plugin decodes it (spec/cni.md §3.1),
 * and which configs the in-process bridge takes on.
 *
 * Design notes: the in-process bridge implements what flannel deployments use — bridge name,
 * MTU, gateway / default gateway, forceAddress, hairpin, promiscuous bridge, iptables
 * masquerade, a requested MAC, and an IPAM plugin (host-local in-process, any other exec'd).
 * A config asking for anything else (VLANs, spoof checking, DAD, nftables masquerade, port
 * isolation, no container interface, no IPAM) is handed to the reference `bridge` binary
 * from `CNI_PATH`, so behaviour never silently differs.
 */
import { goFields, isPlainObject } from "../../config/json_fields.ts";
import { ConfigError } from "../../errors.ts";
import { goDecodeError, GoT, type GoType } from "../go_decode.ts";
import { loadArgs } from "../args.ts";
import { type CniDNS, parseResult } from "../result.ts";

/** Settings the in-process bridge acts on. */
export interface BridgeConf {
  name: string;
  cniVersion: string;
  bridge: string;
  isGateway: boolean;
  isDefaultGateway: boolean;
  forceAddress: boolean;
  ipMasq: boolean;
  mtu: number;
  hairpinMode: boolean;
  promiscMode: boolean;
  /** `ipam.type` ("" = no IPAM). */
  ipamType: string;
  /** A requested container MAC (CNI_ARGS `MAC=`, `args.cni.mac`, `runtimeConfig.mac`). */
  mac: string;
  /** The config's own `dns`, which wins over IPAM's when set. */
  dns: CniDNS;
}

/** Default bridge device of the reference plugin. */
export const DEFAULT_BRIDGE = "cni0";

const UNSUPPORTED = [
  "vlan",
  "vlanTrunk",
  "preserveDefaultVlan",
  "macspoofchk",
  "enabledad",
  "disableContainerInterface",
  "portIsolation",
];

const { string, bool, int } = GoT;

/** The reference bridge's `NetConf` (containernetworking/plugins main) as Go decodes it. */
const NETCONF: GoType = GoT.struct("main.NetConf", "NetConf", {
  cniVersion: string,
  name: string,
  type: string,
  capabilities: GoT.map("map[string]bool", bool),
  ipam: GoT.struct("types.IPAM", "IPAM", { type: string }),
  dns: GoT.struct("types.DNS", "DNS", {
    nameservers: GoT.slice("[]string", string),
    domain: string,
    search: GoT.slice("[]string", string),
    options: GoT.slice("[]string", string),
  }),
  prevResult: GoT.map("map[string]interface {}", GoT.any),
  bridge: string,
  isGateway: bool,
  isDefaultGateway: bool,
  forceAddress: bool,
  ipMasq: bool,
  ipMasqBackend: string,
  mtu: int,
  hairpinMode: bool,
  promiscMode: bool,
  vlan: int,
  vlanTrunk: GoT.slice(
    "[]*main.VlanTrunk",
    GoT.struct("main.VlanTrunk", "VlanTrunk", { minID: int, maxID: int, id: int }),
  ),
  preserveDefaultVlan: bool,
  macspoofchk: bool,
  enabledad: bool,
  disableContainerInterface: bool,
  portIsolation: bool,
  args: GoT.struct('struct { Cni main.BridgeArgs "json:\\"cni,omitempty\\"" }', "", {
    cni: GoT.struct("main.BridgeArgs", "BridgeArgs", { mac: string }),
  }),
  runtimeConfig: GoT.struct('struct { Mac string "json:\\"mac,omitempty\\"" }', "", {
    mac: string,
  }),
});

/** True when the in-process bridge implements everything `conf` asks for. */
export function inProcessSupported(conf: Record<string, unknown>): boolean {
  const f = goFields(conf, [...UNSUPPORTED, "ipMasqBackend", "ipam"]);
  const set = (v: unknown) => v !== undefined && v !== null && v !== false && v !== 0 && v !== "";
  if (UNSUPPORTED.some((k) => set(f.get(k)))) return false;
  const backend = f.get("ipMasqBackend");
  if (set(backend) && backend !== "iptables") return false;
  const ipam = f.get("ipam");
  return isPlainObject(ipam) && typeof ipam.type === "string" && ipam.type !== "";
}

function requestedMac(conf: Record<string, unknown>, envArgs: string): string {
  let mac = loadArgs(envArgs, ["MAC"]).get("MAC") ?? "";
  const args = conf.args, rc = conf.runtimeConfig;
  const fromArgs = isPlainObject(args) && isPlainObject(args.cni) ? args.cni.mac : undefined;
  if (typeof fromArgs === "string" && fromArgs !== "") mac = fromArgs;
  if (isPlainObject(rc) && typeof rc.mac === "string" && rc.mac !== "") mac = rc.mac;
  return mac;
}

/** Decodes a bridge config (Go semantics: case-insensitive keys, typed fields). */
export function parseBridgeConf(conf: Record<string, unknown>, envArgs: string): BridgeConf {
  const bad = goDecodeError(conf, NETCONF);
  if (bad !== null) throw new ConfigError(`failed to load netconf: ${bad}`);
  const f = goFields(conf, [
    "name",
    "cniVersion",
    "ipam",
    "dns",
    "bridge",
    "isGateway",
    "isDefaultGateway",
    "forceAddress",
    "ipMasq",
    "mtu",
    "hairpinMode",
    "promiscMode",
  ]);
  const b = (k: string) => f.get(k) === true;
  const s = (k: string) => (typeof f.get(k) === "string" ? f.get(k) as string : "");
  if (b("hairpinMode") && b("promiscMode")) {
    throw new Error("cannot set hairpin mode and promiscuous mode at the same time");
  }
  const ipam = f.get("ipam");
  const dns = isPlainObject(f.get("dns")) ? parseResult({ dns: f.get("dns") }, "1.1.0").dns : {};
  return {
    name: s("name"),
    cniVersion: s("cniVersion"),
    bridge: s("bridge") || DEFAULT_BRIDGE,
    isGateway: b("isGateway") || b("isDefaultGateway"),
    isDefaultGateway: b("isDefaultGateway"),
    forceAddress: b("forceAddress"),
    ipMasq: b("ipMasq"),
    mtu: typeof f.get("mtu") === "number" ? f.get("mtu") as number : 0,
    hairpinMode: b("hairpinMode"),
    promiscMode: b("promiscMode"),
    ipamType: isPlainObject(ipam) && typeof ipam.type === "string" ? ipam.type : "",
    mac: requestedMac(conf, envArgs),
    dns,
  };
}

/**
 * The settings a DEL acts on (name, `ipMasq`, IPAM type), read leniently: a wrong-typed field
 * counts as unset, and `CNI_ARGS` is not read. A DEL must be able to undo whatever an ADD
 * left, even when the saved config is one no ADD could use.
 */
export function bridgeDelConf(conf: Record<string, unknown>): BridgeConf {
  const f = goFields(conf, ["name", "cniVersion", "bridge", "ipMasq", "ipam"]);
  const s = (k: string) => (typeof f.get(k) === "string" ? f.get(k) as string : "");
  const ipam = f.get("ipam");
  const ipamType = isPlainObject(ipam) ? goFields(ipam, ["type"]).get("type") : undefined;
  return {
    name: s("name"),
    cniVersion: s("cniVersion"),
    bridge: s("bridge") || DEFAULT_BRIDGE,
    isGateway: false,
    isDefaultGateway: false,
    forceAddress: false,
    ipMasq: f.get("ipMasq") === true,
    mtu: 0,
    hairpinMode: false,
    promiscMode: false,
    ipamType: typeof ipamType === "string" ? ipamType : "",
    mac: "",
    dns: {},
  };
}
