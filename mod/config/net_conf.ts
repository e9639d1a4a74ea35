/**
 * The network configuration (`<prefix>/config` in etcd, net-conf.json in kube mode):
 * parse (upstream `ParseConfig`) and validate with defaults (upstream `CheckNetworkConfig`).
 *
 * Design notes: one generic `checkFamily` serves IPv4 and IPv6 with a table of the limits and
 * messages that differ, so the two families cannot drift apart. Messages are upstream's,
 * verbatim, because operators search for them. One deliberate difference: a missing `Backend`
 * means vxlan (what upstream's documentation promises; its code picks udp) and the parser
 * reports it through `backendDefaulted` so the agent can log a warning.
 */
import { ConfigError, ParseError } from "../errors.ts";
import { type Family, IPAddr, IPNet, parseCIDR, tryParseIP } from "../ip/mod.ts";
import {
  goFields,
  isPlainObject,
  optBool,
  optString,
  optUint,
  parseJSONObject,
} from "./json_fields.ts";

/** Backend used when the config has no `Backend` object. */
export const DEFAULT_BACKEND_TYPE = "vxlan";

export interface NetworkConfig {
  enableIPv4: boolean;
  enableIPv6: boolean;
  enableNFTables: boolean;
  network: IPNet | null;
  subnetLen: number;
  subnetMin: IPAddr | null;
  subnetMax: IPAddr | null;
  ipv6Network: IPNet | null;
  ipv6SubnetLen: number;
  ipv6SubnetMin: IPAddr | null;
  ipv6SubnetMax: IPAddr | null;
  /** `Backend.Type` as written (the registry lower-cases it). */
  backendType: string;
  /** The whole `Backend` object, handed to the backend's own parser. */
  backend: Record<string, unknown>;
  /** True when `Backend` was absent and {@linkcode DEFAULT_BACKEND_TYPE} was chosen. */
  backendDefaulted: boolean;
}

const FIELDS = [
  "Network",
  "IPv6Network",
  "EnableIPv4",
  "EnableIPv6",
  "EnableNFTables",
  "SubnetLen",
  "SubnetMin",
  "SubnetMax",
  "IPv6SubnetLen",
  "IPv6SubnetMin",
  "IPv6SubnetMax",
  "Backend",
] as const;

const WHAT = "network config";

function cidrField(f: Map<string, unknown>, key: string, family: Family | null): IPNet | null {
  const text = optString(f, key, WHAT);
  if (text === undefined) return null;
  let net: IPNet;
  try {
    net = parseCIDR(text);
  } catch (err) {
    throw new ParseError(`${WHAT}: "${key}" is not a valid CIDR: "${text}"`, { cause: err });
  }
  if (family !== null && net.family !== family) {
    throw new ParseError(`${WHAT}: "${key}" must be an IPv${family} CIDR, not "${text}"`);
  }
  return net;
}

function ipField(f: Map<string, unknown>, key: string, family: Family): IPAddr | null {
  const text = optString(f, key, WHAT);
  if (text === undefined) return null;
  const ip = tryParseIP(text);
  if (ip === null || ip.family !== family) {
    throw new ParseError(`${WHAT}: "${key}" must be an IPv${family} address, not "${text}"`);
  }
  return ip;
}

function backendField(
  f: Map<string, unknown>,
): Pick<NetworkConfig, "backend" | "backendType" | "backendDefaulted"> {
  const raw = f.get("Backend");
  if (raw === undefined || raw === null) {
    return {
      backend: { Type: DEFAULT_BACKEND_TYPE },
      backendType: DEFAULT_BACKEND_TYPE,
      backendDefaulted: true,
    };
  }
  if (!isPlainObject(raw)) {
    throw new ParseError(
      `error decoding Backend property of config: Backend must be a JSON object`,
    );
  }
  const type = optString(goFields(raw, ["Type"]), "Type", "Backend");
  return { backend: raw, backendType: type ?? "", backendDefaulted: false };
}

/** Parses net-conf JSON text without validating ranges (upstream `ParseConfig`). */
export function parseNetworkConfig(text: string): NetworkConfig {
  const f = goFields(parseJSONObject(text, WHAT), FIELDS);
  return {
    enableIPv4: optBool(f, "EnableIPv4", WHAT) ?? true,
    enableIPv6: optBool(f, "EnableIPv6", WHAT) ?? false,
    enableNFTables: optBool(f, "EnableNFTables", WHAT) ?? false,
    network: cidrField(f, "Network", 4),
    subnetLen: optUint(f, "SubnetLen", WHAT) ?? 0,
    subnetMin: ipField(f, "SubnetMin", 4),
    subnetMax: ipField(f, "SubnetMax", 4),
    ipv6Network: cidrField(f, "IPv6Network", 6),
    ipv6SubnetLen: optUint(f, "IPv6SubnetLen", WHAT) ?? 0,
    ipv6SubnetMin: ipField(f, "IPv6SubnetMin", 6),
    ipv6SubnetMax: ipField(f, "IPv6SubnetMax", 6),
    ...backendField(f),
  };
}

interface FamilyRules {
  netName: string; // "Network" | "IPv6Network"
  minName: string;
  maxName: string;
  maxSubnetLen: number; // longest allowed SubnetLen
  minPrefixName: string; // what "too small" calls the network
  autoTooSmall: number; // network prefix above which auto sizing fails
  autoFixedUpTo: number; // network prefix up to which the default SubnetLen is fixed
  autoFixedLen: number;
}

const RULES: Record<Family, FamilyRules> = {
  4: {
    netName: "Network",
    minName: "SubnetMin",
    maxName: "SubnetMax",
    maxSubnetLen: 30,
    minPrefixName: "network",
    autoTooSmall: 28,
    autoFixedUpTo: 22,
    autoFixedLen: 24,
  },
  6: {
    netName: "IPv6Network",
    minName: "IPv6SubnetMin",
    maxName: "IPv6SubnetMax",
    maxSubnetLen: 126,
    minPrefixName: "IPv6Network",
    autoTooSmall: 124,
    autoFixedUpTo: 62,
    autoFixedLen: 64,
  },
};

interface FamilyRange {
  network: IPNet | null;
  len: number;
  min: IPAddr | null;
  max: IPAddr | null;
}

function checkFamily(
  family: Family,
  r: FamilyRange,
): Required<{ [K in keyof FamilyRange]: NonNullable<FamilyRange[K]> }> {
  const rules = RULES[family];
  const net = r.network;
  if (net === null || net.isEmpty()) {
    throw new ConfigError(
      `please define a correct ${rules.netName} parameter in the flannel config`,
    );
  }
  let len = r.len;
  if (len > 0) {
    if (len > rules.maxSubnetLen) {
      throw new ConfigError(`SubnetLen must be less than /${rules.maxSubnetLen + 1}`);
    }
    if (len < net.prefixLen + 2) {
      throw new ConfigError("network must be able to accommodate at least four subnets");
    }
  } else if (net.prefixLen > rules.autoTooSmall) {
    throw new ConfigError(
      `${rules.minPrefixName} is too small. Minimum useful network prefix is /${rules.autoTooSmall}`,
    );
  } else {
    len = net.prefixLen <= rules.autoFixedUpTo ? rules.autoFixedLen : net.prefixLen + 2;
  }
  const step = 1n << BigInt(net.ip.bits - len);
  const min = r.min ?? net.ip.add(step);
  const max = r.max ?? net.ip.add(net.size - step);
  const bounds = [[rules.minName, min], [rules.maxName, max]] as const;
  for (const [name, ip] of bounds) {
    if (!net.contains(ip)) {
      throw new ConfigError(`${name} is not in the range of the ${rules.netName}`);
    }
  }
  for (const [name, ip] of bounds) {
    if (IPNet.of(ip, len).ip.value !== ip.value) {
      throw new ConfigError(`${name} is not on a SubnetLen boundary: ${ip}`);
    }
  }
  return { network: net, len, min, max };
}

/**
 * Fills defaults and validates (upstream `CheckNetworkConfig`); throws {@linkcode ConfigError}
 * with upstream's message. Also refuses a config that enables neither family.
 */
export function checkNetworkConfig(cfg: NetworkConfig): NetworkConfig {
  const out = { ...cfg };
  if (!cfg.enableIPv4 && !cfg.enableIPv6) throw new ConfigError("none defined stack");
  if (cfg.enableIPv4) {
    const v4 = checkFamily(4, {
      network: cfg.network,
      len: cfg.subnetLen,
      min: cfg.subnetMin,
      max: cfg.subnetMax,
    });
    Object.assign(out, {
      network: v4.network,
      subnetLen: v4.len,
      subnetMin: v4.min,
      subnetMax: v4.max,
    });
  }
  if (cfg.enableIPv6) {
    const v6 = checkFamily(6, {
      network: cfg.ipv6Network,
      len: cfg.ipv6SubnetLen,
      min: cfg.ipv6SubnetMin,
      max: cfg.ipv6SubnetMax,
    });
    Object.assign(out, {
      ipv6Network: v6.network,
      ipv6SubnetLen: v6.len,
      ipv6SubnetMin: v6.min,
      ipv6SubnetMax: v6.max,
    });
  }
  return out;
}

/** Parse then validate: what etcd and local mode do with `<prefix>/config`. */
export function loadNetworkConfig(text: string): NetworkConfig {
  return checkNetworkConfig(parseNetworkConfig(text));
}
