/**
 * Go `flag.Parse`'s scanning, shared by every command line here (the agent's, `status`'s):
 * `-x` = `--x`, `--x=v` or `--x v`, bare booleans, and a stop at `--` or at the first
 * non-flag argument (the rest is ignored, as Go does). What a value means is the caller's.
 * Pure: argv is a parameter.
 */
import { FlannelError } from "../errors.ts";
import type { FlagDef } from "./flag_values.ts";

/** A bad command line or `FLANNELD_*` value. `flag` is `-name` or the variable's name. */
export class FlagError extends FlannelError {
  override name = "FlagError";
  readonly flag: string;
  constructor(message: string, flag: string, options?: ErrorOptions) {
    super("EFLAG", message, options);
    this.flag = flag;
  }
}

/** A flag the scanner knows, under its name (several names may share one entry). */
export interface ScanEntry<F> {
  field: F;
  def: FlagDef<unknown>;
}

/**
 * Calls `take(entry, text, arg)` for each flag of `argv` in order; returns `true` when
 * `-h`/`-help` stopped the scan (Go prints the usage there). Throws {@linkcode FlagError} for
 * bad syntax, an unknown flag or a missing value.
 */
export function scanGoFlags<F>(
  argv: readonly string[],
  byName: ReadonlyMap<string, ScanEntry<F>>,
  take: (entry: ScanEntry<F>, text: string, arg: string) => void,
): boolean {
  for (let i = 0; i < argv.length;) {
    const arg = argv[i++]!;
    if (arg.length < 2 || arg[0] !== "-" || arg === "--") break;
    const body = arg.slice(arg[1] === "-" ? 2 : 1);
    if (body === "" || body[0] === "-" || body[0] === "=") {
      throw new FlagError(`Bad flag syntax "${arg}"`, arg);
    }
    const eq = body.indexOf("=");
    const name = eq < 0 ? body : body.slice(0, eq);
    const entry = byName.get(name);
    if (entry === undefined) {
      if (name === "h" || name === "help") return true;
      throw new FlagError(`Unknown flag "-${name}"`, `-${name}`);
    }
    let text = eq < 0 ? (entry.def.isBool ? "true" : undefined) : body.slice(eq + 1);
    if (text === undefined) {
      if (i >= argv.length) throw new FlagError(`Flag -${name} needs a value`, `-${name}`);
      text = argv[i++]!;
    }
    take(entry, text, arg);
  }
  return false;
}
