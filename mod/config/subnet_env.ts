/**
 * `subnet.env` (spec/flannel.md §5), the agent's side: the text it writes after taking its
 * lease, and the read-back of the previous subnet(s) at the next start.
 *
 * Design notes: the writer emits exactly upstream's lines, in upstream's order, only for the
 * families that have a network and a lease; `FLANNEL_SUBNET` is the lease's first usable
 * address with the lease's prefix (`10.5.72.0/24` → `10.5.72.1/24`). The reader parses dotenv
 * syntax (upstream uses godotenv) and then follows upstream's rules: values may be comma
 * lists, each entry is a CIDR with host bits cleared, a bad entry is skipped with an error
 * line, and "the previous subnet" exists only when exactly one entry is left. Wrong-family
 * entries count as bad. The CNI plugin's own reader lives in mod/cni (spec/cni.md §2.2).
 * Pure: the file IO is in subnet_env_file.ts.
 */
import { ConfigError, errorText, ParseError } from "../errors.ts";
import { type Family, type IPNet, tryParseCIDRWithHost } from "../ip/mod.ts";
import type { Logger } from "../log.ts";

/** What the agent writes: a family's lines appear when its network and lease are both set. */
export interface SubnetEnv {
  readonly network: IPNet | null;
  readonly subnet: IPNet | null;
  readonly ipv6Network: IPNet | null;
  readonly ipv6Subnet: IPNet | null;
  readonly mtu: number;
  readonly ipMasq: boolean;
}

/** The subnet.env variables that hold networks, with their family. */
export const SUBNET_ENV_CIDR_KEYS = {
  FLANNEL_NETWORK: 4,
  FLANNEL_SUBNET: 4,
  FLANNEL_IPV6_NETWORK: 6,
  FLANNEL_IPV6_SUBNET: 6,
} as const satisfies Record<string, Family>;
export type SubnetEnvCIDRKey = keyof typeof SUBNET_ENV_CIDR_KEYS;

function familyLines(
  family: Family,
  network: IPNet | null,
  subnet: IPNet | null,
  keys: [string, string],
): string[] {
  if (network === null && subnet === null) return [];
  if (network === null || subnet === null) {
    throw new ConfigError(`IPv${family} needs both a network and a subnet in subnet.env`);
  }
  if (network.family !== family || subnet.family !== family) {
    throw new ConfigError(
      `IPv${family} network "${network}" or subnet "${subnet}" is not IPv${family}`,
    );
  }
  if (subnet.size < 2n) throw new ConfigError(`Subnet "${subnet}" has no usable address`);
  return [`${keys[0]}=${network}`, `${keys[1]}=${subnet.nth(1)}/${subnet.prefixLen}`];
}

/**
 * The subnet.env text: `FLANNEL_NETWORK`, `FLANNEL_SUBNET`, `FLANNEL_IPV6_NETWORK`,
 * `FLANNEL_IPV6_SUBNET` (enabled families only), `FLANNEL_MTU`, `FLANNEL_IPMASQ`.
 *
 * @example
 * ```ts
 * formatSubnetEnv({ network: parseCIDR("10.5.0.0/16"), subnet: parseCIDR("10.5.72.0/24"),
 *   ipv6Network: null, ipv6Subnet: null, mtu: 1450, ipMasq: true });
 * // "FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET=10.5.72.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n"
 * ```
 */
export function formatSubnetEnv(v: SubnetEnv): string {
  if (!Number.isInteger(v.mtu) || v.mtu <= 0) {
    throw new ConfigError(`Invalid MTU ${v.mtu} for subnet.env`);
  }
  const lines = [
    ...familyLines(4, v.network, v.subnet, ["FLANNEL_NETWORK", "FLANNEL_SUBNET"]),
    ...familyLines(6, v.ipv6Network, v.ipv6Subnet, ["FLANNEL_IPV6_NETWORK", "FLANNEL_IPV6_SUBNET"]),
  ];
  if (lines.length === 0) throw new ConfigError("A subnet.env needs an IPv4 or IPv6 subnet");
  lines.push(`FLANNEL_MTU=${v.mtu}`, `FLANNEL_IPMASQ=${v.ipMasq}`);
  return lines.join("\n") + "\n";
}

const KEY = /^[A-Za-z_][A-Za-z0-9_.]*$/;
const ESCAPES: Readonly<Record<string, string>> = {
  n: "\n",
  r: "\r",
  t: "\t",
  '"': '"',
  "\\": "\\",
};

function unquote(raw: string, lineNo: number): string {
  const q = raw[0]!;
  let out = "";
  for (let i = 1; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === q) {
      const rest = raw.slice(i + 1).trim();
      if (rest !== "" && !rest.startsWith("#")) break;
      return out;
    }
    if (q === '"' && c === "\\" && i + 1 < raw.length) {
      const next = raw[++i]!;
      out += ESCAPES[next] ?? "\\" + next;
    } else out += c;
  }
  throw new ParseError(`Unterminated or trailing text after quoted value on line ${lineNo}`);
}

function parseValue(raw: string, lineNo: number): string {
  if (raw.startsWith('"') || raw.startsWith("'")) return unquote(raw, lineNo);
  const comment = raw.search(/\s#/);
  return (comment < 0 ? raw : raw.slice(0, comment)).trim();
}

/**
 * Parses dotenv text (`KEY=value`, `export KEY=value`, `KEY: value`, quotes, `#` comments)
 * into its variables; the last of repeated keys wins. Throws {@linkcode ParseError}.
 */
export function parseDotenv(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "" || line.startsWith("#")) continue;
    const body = line.startsWith("export ") ? line.slice(7).trimStart() : line;
    const sep = body.search(/[=:]/);
    const key = sep < 0 ? body : body.slice(0, sep).trim();
    if (sep < 0 || !KEY.test(key)) {
      throw new ParseError(`Invalid line ${i + 1} in dotenv text: "${line.slice(0, 80)}"`);
    }
    vars.set(key, parseValue(body.slice(sep + 1).trim(), i + 1));
  }
  return vars;
}

/**
 * Every valid network in `key` (a comma list; host bits cleared). Bad or wrong-family
 * entries are skipped with an error line naming the key and `path`.
 */
export function subnetEnvCIDRs(
  vars: ReadonlyMap<string, string>,
  key: SubnetEnvCIDRKey,
  log: Logger,
  path: string,
): IPNet[] {
  const text = vars.get(key);
  if (text === undefined) return [];
  const family = SUBNET_ENV_CIDR_KEYS[key];
  const nets: IPNet[] = [];
  for (const entry of text.split(",")) {
    const parsed = tryParseCIDRWithHost(entry);
    if (parsed?.net.family === family) nets.push(parsed.net);
    else {
      log.error(
        `Couldn't parse previous ${key} from subnet file at ${path}: ` +
          `invalid IPv${family} CIDR "${entry}"`,
      );
    }
  }
  return nets;
}

/**
 * The one previous network in `key`: none → warning and `null`, several → error and `null`
 * (upstream's `ReadCIDRFromSubnetFile`).
 */
export function subnetEnvCIDR(
  vars: ReadonlyMap<string, string>,
  key: SubnetEnvCIDRKey,
  log: Logger,
  path: string,
): IPNet | null {
  const nets = subnetEnvCIDRs(vars, key, log, path);
  if (nets.length === 1) return nets[0]!;
  if (nets.length === 0) log.warn(`no subnet found for key: ${key} in file: ${path}`);
  else log.error(`error reading subnet: more than 1 entry found for key: ${key} in file ${path}`);
  return null;
}

/**
 * The variables of a subnet.env text; `null` (missing file) gives none, and text that is not
 * dotenv gives none with an error line, as upstream keeps starting in both cases.
 */
export function subnetEnvVars(text: string | null, log: Logger, path: string): Map<string, string> {
  if (text === null) return new Map();
  try {
    return parseDotenv(text);
  } catch (err) {
    log.error(`Couldn't read subnet file at ${path}: ${errorText(err)}`);
    return new Map();
  }
}

/** The previous lease subnets recorded in a subnet.env (etcd mode reuses them). */
export function previousSubnets(
  vars: ReadonlyMap<string, string>,
  log: Logger,
  path: string,
): { subnet: IPNet | null; ipv6Subnet: IPNet | null } {
  return {
    subnet: subnetEnvCIDR(vars, "FLANNEL_SUBNET", log, path),
    ipv6Subnet: subnetEnvCIDR(vars, "FLANNEL_IPV6_SUBNET", log, path),
  };
}
