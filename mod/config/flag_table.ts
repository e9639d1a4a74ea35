/**
 * The flanneld flag table: every flag of upstream v0.28.9 (spec/flannel.md §1.2) with its
 * name, default and help text, then our extensions. The environment variable of a flag is
 * derived from its name ({@linkcode envName}); the table never spells one out.
 *
 * Design notes: the table is an object keyed by the `Options` field each flag fills, so the
 * value types flow from the builders into `Options` with no casts. Help texts of upstream
 * flags are upstream's (operators know them); the range checks are ours and say so in
 * their messages.
 */
import { ParseError } from "../errors.ts";
import {
  boolFlag,
  checkBacktraceAt,
  checkVmodule,
  choiceFlag,
  commaListFlag,
  type FlagDef,
  intFlag,
  ipFlag,
  listFlag,
  parseKlogLevel,
  stringFlag,
} from "./flag_values.ts";

/** Prefix of the environment variables (`FLANNELD_IFACE`), as upstream's `SetFlagsFromEnv`. */
export const ENV_PREFIX = "FLANNELD";

/** Subnet stores the agent can use (`--store`); `kube` is also chosen by `--kube-subnet-mgr`. */
export const STORES = ["etcd", "kube", "local"] as const;
export type StoreKind = typeof STORES[number];

/** Renew margin bounds in minutes (upstream: more than 0, less than 24 h). */
export const RENEW_MARGIN_MIN = 1;
export const RENEW_MARGIN_MAX = 1439;

/**
 * The longest period a seconds flag accepts: Go's longest `time.Duration` in whole seconds
 * (about 292 years). Upstream accepts more, but its `Duration(n) * time.Second` overflows
 * there into a wrong or negative period. Anything up to this bound is honoured as given:
 * mod/clock.ts chains timers past JavaScript's 24.8-day `setTimeout` limit.
 */
export const MAX_PERIOD_SECONDS = 9_223_372_036;

/** `FLANNELD_` + name upper-cased with `-` and `.` turned into `_`. */
export function envName(flagName: string): string {
  return `${ENV_PREFIX}_${flagName.toUpperCase().replace(/[-.]/g, "_")}`;
}

function atLeast(min: number) {
  return (n: number) => {
    if (n < min) throw new ParseError(`must be at least ${min}`);
    return n;
  };
}

function atMost(max: number) {
  return (n: number) => {
    if (n > max) throw new ParseError(`must be at most ${max}`);
    return n;
  };
}

/** A period in whole seconds: 1 .. {@linkcode MAX_PERIOD_SECONDS}. */
function periodSeconds(n: number): number {
  return atMost(MAX_PERIOD_SECONDS)(atLeast(1)(n));
}

function validRegex(text: string): string {
  try {
    new RegExp(text);
  } catch (err) {
    throw new ParseError(`not a valid regular expression (${(err as Error).message})`);
  }
  return text;
}

/** Flags of upstream flanneld, keyed by the `Options` field they fill. */
export const UPSTREAM_FLAGS = {
  etcdEndpoints: commaListFlag(
    "etcd-endpoints",
    "http://127.0.0.1:4001,http://127.0.0.1:2379",
    "a comma-delimited list of etcd endpoints",
  ),
  etcdPrefix: stringFlag("etcd-prefix", "/coreos.com/network", "etcd prefix"),
  etcdKeyfile: stringFlag("etcd-keyfile", "", "SSL key file used to secure etcd communication"),
  etcdCertfile: stringFlag(
    "etcd-certfile",
    "",
    "SSL certification file used to secure etcd communication",
  ),
  etcdCAFile: stringFlag(
    "etcd-cafile",
    "",
    "SSL Certificate Authority file used to secure etcd communication",
  ),
  etcdUsername: stringFlag("etcd-username", "", "username for BasicAuth to etcd"),
  etcdPassword: stringFlag("etcd-password", "", "password for BasicAuth to etcd"),
  version: boolFlag("version", false, "print version and exit"),
  kubeSubnetMgr: boolFlag(
    "kube-subnet-mgr",
    false,
    "contact the Kubernetes API for subnet assignment instead of etcd.",
  ),
  kubeApiUrl: stringFlag(
    "kube-api-url",
    "",
    "Kubernetes API server URL. Does not need to be specified if flannel is running in a pod.",
  ),
  kubeAnnotationPrefix: stringFlag(
    "kube-annotation-prefix",
    "flannel.alpha.coreos.com",
    'Kubernetes annotation prefix. Can contain single slash "/", otherwise it will be appended at the end.',
  ),
  kubeConfigFile: stringFlag(
    "kubeconfig-file",
    "",
    "kubeconfig file location. Does not need to be specified if flannel is running in a pod.",
  ),
  iface: listFlag(
    "iface",
    "interface to use (IP or name) for inter-host communication. Can be specified multiple times to check each option in order. Returns the first match found.",
  ),
  ifaceRegex: listFlag(
    "iface-regex",
    "regex expression to match the first interface to use (IP or name) for inter-host communication. Can be specified multiple times to check each regex in order. Returns the first match found. Regexes are checked after specific interfaces specified by the iface option have already been checked.",
    validRegex,
  ),
  ipMasq: boolFlag(
    "ip-masq",
    false,
    "setup IP masquerade rule for traffic destined outside of overlay network",
  ),
  ipMasqRandomFullyDisable: boolFlag(
    "ip-masq-fully-random-disable",
    false,
    "disable fully random source port mapping (--random-fully) on the masquerade rules",
  ),
  ifaceCanReach: ipFlag(
    "iface-can-reach",
    "detect interface to use (IP or name) for inter-host communication based on which will be used for provided IP. This is exactly the interface to use of command 'ip route get <ip-address>'",
  ),
  subnetFile: stringFlag(
    "subnet-file",
    "/run/flannel/subnet.env",
    "filename where env variables (subnet, MTU, ... ) will be written to",
  ),
  publicIP: ipFlag("public-ip", "IP accessible by other nodes for inter-host communication", 4),
  publicIPv6: ipFlag(
    "public-ipv6",
    "IPv6 accessible by other nodes for inter-host communication",
    6,
  ),
  // The 1..1439 range is checked after the environment is applied (flags.ts), with
  // upstream's message, so that it holds whichever source set the value.
  subnetLeaseRenewMargin: intFlag(
    "subnet-lease-renew-margin",
    60,
    "subnet lease renewal margin, in minutes, ranging from 1 to 1439",
  ),
  healthzIP: stringFlag("healthz-ip", "0.0.0.0", "the IP address for healthz server to listen"),
  healthzPort: intFlag(
    "healthz-port",
    0,
    "the port for healthz server to listen(0 to disable)",
    atMost(65535),
  ),
  iptablesResyncSeconds: intFlag(
    "iptables-resync",
    5,
    "resync period for iptables rules, in seconds",
    periodSeconds,
  ),
  iptablesForwardRules: boolFlag(
    "iptables-forward-rules",
    true,
    "add default accept rules to FORWARD chain in iptables",
  ),
  blackholeRoute: boolFlag(
    "ip-blackhole-route",
    false,
    "keep a blackhole route for the local lease subnet (for Canal)",
  ),
  netConfPath: stringFlag(
    "net-config-path",
    "/etc/kube-flannel/net-conf.json",
    "path to the network configuration file",
  ),
  setNodeNetworkUnavailable: boolFlag(
    "set-node-network-unavailable",
    true,
    "set NodeNetworkUnavailable after ready",
  ),
  verbosity: intFlag(
    "v",
    0,
    "number for the log level verbosity",
    undefined,
    parseKlogLevel,
    { typeWord: "value" },
  ),
  vmodule: stringFlag(
    "vmodule",
    "",
    "comma-separated list of pattern=N settings for file-filtered logging (accepted; no effect)",
    checkVmodule,
    { typeWord: "value" },
  ),
  logBacktraceAt: stringFlag(
    "log_backtrace_at",
    "",
    "when logging hits line file:N, emit a stack trace (accepted; no effect)",
    checkBacktraceAt,
    { typeWord: "value" },
  ),
} as const;

/** Our own flags, not in upstream flanneld (marked as extensions in `-help` and README). */
export const EXTENSION_FLAGS = {
  store: choiceFlag(
    "store",
    "etcd",
    STORES,
    "subnet store: etcd, kube or local (--kube-subnet-mgr implies kube)",
  ),
  localStoreDir: stringFlag(
    "local-store-dir",
    "/var/lib/flannel/leases",
    "directory of the embedded lease store (--store=local)",
  ),
  localNetworkConfig: stringFlag(
    "local-network-config",
    "/etc/flannel/net-conf.json",
    "network configuration file for --store=local",
  ),
  reconcileIntervalSeconds: intFlag(
    "reconcile-interval",
    10,
    "period of the full reconcile pass that repairs drift, in seconds",
    periodSeconds,
  ),
} as const;

export const ALL_FLAGS = { ...UPSTREAM_FLAGS, ...EXTENSION_FLAGS } as const;
export type FlagTable = typeof ALL_FLAGS;
export type FlagField = keyof FlagTable;

/** The value type each flag yields. */
export type FlagValues = {
  -readonly [K in FlagField]: FlagTable[K] extends FlagDef<infer T> ? T : never;
};

/** Whether a field holds a secret: never printed, not even in error messages. */
export function isSecretField(field: FlagField): boolean {
  return field === "etcdPassword";
}

/** Every flag definition with the field it fills, in table order. */
export function flagEntries(): [FlagField, FlagDef<unknown>][] {
  return Object.entries(ALL_FLAGS) as [FlagField, FlagDef<unknown>][];
}

/** Whether a flag is one of our extensions. */
export function isExtension(field: FlagField): boolean {
  return field in EXTENSION_FLAGS;
}
