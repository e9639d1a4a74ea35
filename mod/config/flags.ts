/**
 * The flanneld command line: `parseFlags(argv, env)` → a frozen, typed {@linkcode Options}.
 *
 * Design notes: the syntax is Go's `flag` package, as upstream (`-iface` = `--iface`,
 * `--iface=x` or `--iface x`, bare booleans, `--ip-masq=false`; parsing stops at `--` or at the
 * first non-flag argument, and the rest is ignored). Then `FLANNELD_*` variables fill the
 * flags the command line did not give (empty values ignored), as `flagutil.SetFlagsFromEnv`.
 * Deliberate differences: an invalid environment value is an error here — upstream logs
 * `Failed to set flag FLANNELD from env` and starts anyway with the default, which hides the
 * typo; and every error is a {@linkcode FlagError} that the caller turns into exit status 2
 * (upstream exits 0 after printing usage). `--version` and `-h` are reported in the result
 * before the environment is read, as upstream, so `FLANNELD_VERSION` has no effect.
 * Pure: no IO, no globals; the environment is a parameter.
 */
import { ParseError } from "../errors.ts";
import {
  envName,
  flagEntries,
  type FlagField,
  type FlagValues,
  isSecretField,
  RENEW_MARGIN_MAX,
  RENEW_MARGIN_MIN,
  type StoreKind,
} from "./flag_table.ts";
import type { FlagDef } from "./flag_values.ts";
import { FlagError, scanGoFlags } from "./go_flag_scan.ts";

export { FlagError };

/** The agent's options: every flag's value, after the command line and the environment. */
export type Options = Readonly<FlagValues> & {
  /** `-h`, `-help` or `--help` was given: print usage, nothing else was checked. */
  readonly help: boolean;
  /** Effective store: `kube` whenever `--kube-subnet-mgr` is set (then `kubeSubnetMgr` too). */
  readonly store: StoreKind;
};

/** Environment as a plain record (`Deno.env.toObject()`). */
export type Env = Readonly<Record<string, string | undefined>>;

type Source = { kind: "argv"; arg: string } | { kind: "env"; variable: string };

function setValue(
  def: FlagDef<unknown>,
  field: FlagField,
  text: string,
  previous: unknown,
  src: Source,
) {
  try {
    return def.parse(text, previous);
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
    const shown = isSecretField(field) ? "********" : text;
    const where = src.kind === "argv" ? `flag -${def.name}` : `${src.variable} (flag -${def.name})`;
    const flag = src.kind === "argv" ? `-${def.name}` : src.variable;
    throw new FlagError(`Invalid value "${shown}" for ${where}: ${err.message}`, flag, {
      cause: err,
    });
  }
}

interface Scan {
  given: Map<FlagField, unknown>;
  help: boolean;
}

/** Go `flag.Parse` over `argv`: values of the flags given, or `help` at `-h`/`-help`. */
function scanArgs(argv: readonly string[]): Scan {
  const byName = new Map(flagEntries().map(([field, def]) => [def.name, { field, def }]));
  const given = new Map<FlagField, unknown>();
  const help = scanGoFlags(argv, byName, ({ field, def }, text, arg) => {
    const previous = given.has(field) ? given.get(field) : def.initial;
    given.set(field, setValue(def, field, text, previous, { kind: "argv", arg }));
  });
  return { given, help };
}

/** Fills the flags not given on the command line from `FLANNELD_*` (non-empty values only). */
function applyEnv(values: Map<FlagField, unknown>, env: Env): Set<FlagField> {
  const fromEnv = new Set<FlagField>();
  for (const [field, def] of flagEntries()) {
    if (values.has(field) || field === "version") continue;
    const variable = envName(def.name);
    const text = env[variable];
    if (text === undefined || text === "") continue;
    values.set(field, setValue(def, field, text, def.initial, { kind: "env", variable }));
    fromEnv.add(field);
  }
  return fromEnv;
}

function checkRenewMargin(minutes: number, fromEnv: boolean): void {
  if (minutes >= RENEW_MARGIN_MIN && minutes <= RENEW_MARGIN_MAX) return;
  // Upstream's text, verbatim: operators search logs for it.
  throw new FlagError(
    `Invalid subnet-lease-renew-margin option, out of acceptable range: "${minutes}" ` +
      `(allowed ${RENEW_MARGIN_MIN}..${RENEW_MARGIN_MAX} minutes)`,
    fromEnv ? envName("subnet-lease-renew-margin") : "-subnet-lease-renew-margin",
  );
}

/** `--kube-subnet-mgr` means the kube store; an explicit other `--store` contradicts it. */
function resolveStore(v: FlagValues, storeGiven: boolean): StoreKind {
  if (!v.kubeSubnetMgr) return v.store;
  if (storeGiven && v.store !== "kube") {
    throw new FlagError(
      `Flag -kube-subnet-mgr contradicts -store "${v.store}" (it implies "kube")`,
      "-store",
    );
  }
  return "kube";
}

function freeze(values: FlagValues, help: boolean, store: StoreKind): Options {
  for (const v of Object.values(values)) if (Array.isArray(v)) Object.freeze(v);
  return Object.freeze({ ...values, help, store, kubeSubnetMgr: store === "kube" });
}

/**
 * Parses flanneld's command line and `FLANNELD_*` environment. Throws {@linkcode FlagError}
 * for an unknown flag, a bad value (from either source) or a renew margin outside 1..1439.
 * With `help` or `version` set in the result, the environment was not read.
 *
 * @example
 * ```ts
 * const o = parseFlags(["--iface", "eth1", "-ip-masq"], { FLANNELD_IFACE: "eth9" });
 * o.iface; // ["eth1"] — the command line wins
 * ```
 */
export function parseFlags(argv: readonly string[], env: Env): Options {
  const { given, help } = scanArgs(argv);
  const values = new Map(given);
  const version = given.get("version") === true;
  const fromEnv = help || version ? new Set<FlagField>() : applyEnv(values, env);
  const all = Object.fromEntries(
    flagEntries().map((
      [field, def],
    ) => [field, values.has(field) ? values.get(field) : def.initial]),
  ) as FlagValues;
  if (help || version) return freeze(all, help, all.kubeSubnetMgr ? "kube" : all.store);
  checkRenewMargin(all.subnetLeaseRenewMargin, fromEnv.has("subnetLeaseRenewMargin"));
  return freeze(all, false, resolveStore(all, values.has("store")));
}
