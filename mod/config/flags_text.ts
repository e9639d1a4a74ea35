/**
 * Texts made from the flag table: the `-help` listing and the `CLI flags config` log line.
 *
 * Design notes: the listing follows Go's `PrintDefaults` layout (flags sorted by name, usage
 * indented below) and adds what Go leaves out: every default, even empty ones, and the
 * environment variable. Our extensions come in their own block so nobody mistakes them for
 * upstream flags. The log line mirrors upstream's `%+v` of its options struct (field names
 * and order), except that the etcd password is shown as `********` — upstream prints it.
 */
import {
  envName,
  EXTENSION_FLAGS,
  flagEntries,
  type FlagField,
  isExtension,
  isSecretField,
} from "./flag_table.ts";
import type { FlagDef } from "./flag_values.ts";
import type { Options } from "./flags.ts";

/** What the config line shows instead of a secret. */
export const REDACTED = "********";

// Fields of upstream's options struct that its `%+v` line does not have (klog's flags).
const NOT_IN_UPSTREAM_LINE: readonly FlagField[] = ["verbosity", "vmodule", "logBacktraceAt"];

function defaultText(def: FlagDef<unknown>): string {
  const shown = def.show(def.initial);
  const quoted = def.typeWord === "string" || typeof def.initial === "string";
  return quoted ? JSON.stringify(shown) : shown;
}

function describe(field: FlagField, def: FlagDef<unknown>): string {
  const head = `  -${def.name}${def.typeWord ? " " + def.typeWord : ""}`;
  const env = field === "version" ? "FLANNELD_VERSION is ignored" : `env ${envName(def.name)}`;
  const repeat = def.repeatable ? "; repeatable" : "";
  return `${head}\n    \t${def.usage}\n    \t(default ${defaultText(def)}; ${env}${repeat})`;
}

/**
 * The `-help` text: every flag with its default and environment variable.
 *
 * @example
 * ```ts
 * console.log(usageText("flanneld"));
 * ```
 */
export function usageText(program: string): string {
  const byName = (a: [FlagField, FlagDef<unknown>], b: [FlagField, FlagDef<unknown>]) =>
    a[1].name < b[1].name ? -1 : 1;
  const entries = flagEntries();
  const upstream = entries.filter(([f]) => !isExtension(f)).sort(byName);
  const ours = entries.filter(([f]) => isExtension(f)).sort(byName);
  return [
    `Usage: ${program} [OPTION]...`,
    "",
    "Flags take one or two dashes (-iface, --iface) and a value as --name=value or --name value.",
    "A flag not given on the command line is read from its FLANNELD_* variable when that is set.",
    "",
    ...upstream.map(([f, d]) => describe(f, d)),
    `  -h, -help\n    \tprint this help and exit`,
    "",
    `Extensions (not in upstream flanneld; ${Object.keys(EXTENSION_FLAGS).length} flags):`,
    ...ours.map(([f, d]) => describe(f, d)),
  ].join("\n");
}

/**
 * Upstream's start-up line `CLI flags config: {etcdEndpoints:… etcdPassword:… …}` with the
 * etcd password redacted, then our extension fields.
 */
export function flagsConfigLine(opts: Options): string {
  const parts: string[] = [];
  for (const [field, def] of flagEntries()) {
    if (NOT_IN_UPSTREAM_LINE.includes(field)) continue;
    const value = (opts as Record<FlagField, unknown>)[field];
    let shown = def.show(value);
    if (isSecretField(field) && shown !== "") shown = REDACTED;
    parts.push(`${field}:${shown}`);
  }
  return `CLI flags config: {${parts.join(" ")}}`;
}
