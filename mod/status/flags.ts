/**
 * The command line of `flanneld status`: where the agent's files and health server are, and
 * how to print the report.
 *
 * Design notes: Go `flag` syntax as the agent's (`-x` = `--x`, `--x=v` or `--x v`, bare
 * booleans, parsing stops at `--` or the first non-flag). `--subnet-file`, `--healthz-ip` and
 * `--healthz-port` are the agent's own flag definitions (same defaults, same checks) and read
 * the same `FLANNELD_*` variables when not given, so `status` run in the agent's environment
 * looks where the agent writes and listens. The output flags have no variable: a stray
 * variable must not turn a human's report into JSON. Pure: argv and env are parameters.
 */
import { ParseError } from "../errors.ts";
import { envName, UPSTREAM_FLAGS } from "../config/flag_table.ts";
import { boolFlag, choiceFlag, type FlagDef, intFlag } from "../config/flag_values.ts";
import { type Env, FlagError } from "../config/flags.ts";
import { scanGoFlags } from "../config/go_flag_scan.ts";

/** Default time each probe may take, in milliseconds. */
export const DEFAULT_PROBE_TIMEOUT_MS = 1000;

const OUTPUTS = ["text", "json"] as const;

function positive(n: number): number {
  if (n <= 0) throw new ParseError("must be at least 1");
  return n;
}

/** The flags of `status`, keyed by the option they fill. */
export const STATUS_FLAGS = {
  subnetFile: UPSTREAM_FLAGS.subnetFile,
  healthzIP: UPSTREAM_FLAGS.healthzIP,
  healthzPort: UPSTREAM_FLAGS.healthzPort,
  json: boolFlag("json", false, "print the report as JSON (same as -o json)"),
  output: choiceFlag("o", "text", OUTPUTS, "output format: text or json"),
  timeoutMs: intFlag(
    "timeout",
    DEFAULT_PROBE_TIMEOUT_MS,
    "how long each health probe may take, in milliseconds",
    positive,
  ),
} as const;

type Table = typeof STATUS_FLAGS;
type Field = keyof Table;
type ValueOf<F extends Field> = Table[F] extends FlagDef<infer T> ? T : never;

/** Flags that fall back to the agent's `FLANNELD_*` variable. */
const FROM_ENV: readonly Field[] = ["subnetFile", "healthzIP", "healthzPort"];

/** What `status` runs with. */
export interface StatusOptions {
  readonly subnetFile: string;
  readonly healthzIP: string;
  /** 0 (or less): the agent runs no health server, nothing is probed. */
  readonly healthzPort: number;
  readonly json: boolean;
  readonly timeoutMs: number;
  /** `-h`/`--help` was given; nothing else was checked. */
  readonly help: boolean;
}

const entries = () => Object.entries(STATUS_FLAGS) as [Field, FlagDef<unknown>][];

/** `def`'s value of `text`, from the command line or from `variable`. */
function parseValue(def: FlagDef<unknown>, text: string, variable?: string): unknown {
  try {
    return def.parse(text, def.initial);
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
    const where = variable === undefined ? `flag -${def.name}` : `${variable} (flag -${def.name})`;
    throw new FlagError(
      `Invalid value "${text}" for ${where}: ${err.message}`,
      variable ?? `-${def.name}`,
      {
        cause: err,
      },
    );
  }
}

/** Go `flag.Parse` over `argv`; `help` at `-h`/`-help`. */
function scan(argv: readonly string[]): { given: Map<Field, unknown>; help: boolean } {
  const byName = new Map(entries().map(([field, def]) => [def.name, { field, def }]));
  byName.set("output", byName.get("o")!);
  const given = new Map<Field, unknown>();
  const help = scanGoFlags(argv, byName, ({ field, def }, text) => {
    given.set(field, parseValue(def, text));
  });
  return { given, help };
}

/**
 * Parses `status`'s command line, then the agent's `FLANNELD_SUBNET_FILE`,
 * `FLANNELD_HEALTHZ_IP` and `FLANNELD_HEALTHZ_PORT` for flags not given. Throws
 * {@linkcode FlagError}.
 *
 * @example
 * ```ts
 * parseStatusFlags(["-o", "json", "--healthz-port=10256"], {}).json; // true
 * ```
 */
export function parseStatusFlags(argv: readonly string[], env: Env): StatusOptions {
  const { given, help } = scan(argv);
  for (const field of FROM_ENV) {
    const def = STATUS_FLAGS[field] as FlagDef<unknown>;
    const variable = envName(def.name);
    const text = env[variable];
    if (help || given.has(field) || text === undefined || text === "") continue;
    given.set(field, parseValue(def, text, variable));
  }
  const value = <F extends Field>(f: F): ValueOf<F> =>
    (given.has(f) ? given.get(f) : STATUS_FLAGS[f].initial) as ValueOf<F>;
  return Object.freeze({
    subnetFile: value("subnetFile"),
    healthzIP: value("healthzIP"),
    healthzPort: value("healthzPort"),
    json: value("json") || value("output") === "json",
    timeoutMs: value("timeoutMs"),
    help,
  });
}

/** The `status --help` text. */
export function statusUsage(program: string): string {
  const lines = entries().map(([field, def]) => {
    const head = `  -${def.name}${field === "output" ? ", -output" : ""}` +
      (def.typeWord ? ` ${def.typeWord}` : "");
    const shown = def.show(def.initial);
    const dflt = typeof def.initial === "string" ? JSON.stringify(shown) : shown;
    const env = FROM_ENV.includes(field) ? `; env ${envName(def.name)}` : "";
    return `${head}\n    \t${def.usage}\n    \t(default ${dflt}${env})`;
  });
  return [
    `Usage: ${program} status [OPTION]...`,
    "",
    "Shows whether flannel is healthy on this node: subnet.env, the agent's /healthz and",
    "/readyz, and the flannel devices, routes, neighbours and FDB entries of this network",
    "namespace. Exit status: 0 healthy, 1 something missing or unhealthy, 2 bad flags.",
    "",
    ...lines,
    "  -h, -help\n    \tprint this help and exit",
  ].join("\n");
}
