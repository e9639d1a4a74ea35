/**
 * Flag value kinds with Go's text rules: `strconv.ParseBool`, `strconv.ParseInt(s, 0, 64)`,
 * klog's `-v` level, `-vmodule` list and `-log_backtrace_at` location. Each kind is a
 * {@linkcode FlagDef} builder; the flanneld table (flag_table.ts) is made of them.
 *
 * Design notes: a value parser throws {@linkcode ParseError} with a short reason only
 * ("not an integer"); flags.ts wraps it into a `FlagError` naming the flag, the value and
 * where it came from, so every message is built in one place.
 */
import { ParseError } from "../errors.ts";
import { type Family, type IPAddr, parseIP4, parseIP6, tryParseIP } from "../ip/mod.ts";

/** One command-line flag: its name, help text, initial value and how text becomes a value. */
export interface FlagDef<T> {
  /** Name without dashes (`iface`, `v`, `log_backtrace_at`). */
  readonly name: string;
  readonly usage: string;
  /** Value when neither the command line nor the environment sets it. */
  readonly initial: T;
  /** Go's "type" word in `-help` (`string`, `int`, `value`); empty for booleans. */
  readonly typeWord: string;
  /** A boolean flag: bare `-name` means true, a value needs `-name=value`. */
  readonly isBool: boolean;
  /** Each occurrence adds a value instead of replacing it (`--iface`). */
  readonly repeatable: boolean;
  /** Turns one occurrence's text into the new value; throws `ParseError(reason)`. */
  readonly parse: (text: string, previous: T) => T;
  /** The value as Go's `%+v` and `-help` print it. */
  readonly show: (value: T) => string;
}

const BOOL_TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const BOOL_FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);

/** Go's `strconv.ParseBool`. */
export function parseGoBool(text: string): boolean {
  if (BOOL_TRUE.has(text)) return true;
  if (BOOL_FALSE.has(text)) return false;
  throw new ParseError("not a boolean (use true or false)");
}

// strconv.ParseInt with base 0: sign, then 0x/0o/0b/leading-0 octal or decimal; an
// underscore may only stand between digits (the base prefix counts as a digit).
const GO_INT =
  /^[+-]?(?:0[xX](?:_?[0-9a-fA-F])+|0[bB](?:_?[01])+|0[oO](?:_?[0-7])+|0(?:_?[0-7])*|[1-9](?:_?[0-9])*)$/;
const DECIMAL = /^[+-]?[0-9]+$/;

function toInteger(text: string, radixText: string, bits: number): number {
  const negative = text.startsWith("-");
  const big = BigInt(radixText);
  const value = negative ? -big : big;
  const limit = 1n << BigInt(bits - 1);
  if (value < -limit || value >= limit) throw new ParseError("value out of range");
  if (value < BigInt(Number.MIN_SAFE_INTEGER) || value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ParseError("value out of range");
  }
  return Number(value);
}

/** Go's `strconv.ParseInt(text, 0, 64)` (what `flag.Int` uses), limited to safe integers. */
export function parseGoInt(text: string): number {
  if (!GO_INT.test(text)) throw new ParseError("not an integer");
  let body = text.replace(/^[+-]/, "").replaceAll("_", "");
  if (/^0[0-7]+$/.test(body)) body = "0o" + body.slice(1); // Go's leading-zero octal
  return toInteger(text, body, 64);
}

/** klog's `-v` level: `strconv.ParseInt(text, 10, 32)`. */
export function parseKlogLevel(text: string): number {
  if (!DECIMAL.test(text)) throw new ParseError("not an integer");
  return toInteger(text, text.replace(/^[+-]/, ""), 32);
}

/** klog's `-vmodule` syntax: comma-separated `pattern=N`; empty entries are allowed. */
export function checkVmodule(text: string): string {
  for (const entry of text.split(",")) {
    if (entry === "") continue;
    const parts = entry.split("=");
    if (parts.length !== 2 || parts[0] === "" || !DECIMAL.test(parts[1]!)) {
      throw new ParseError("syntax error: expect comma-separated list of filename=N");
    }
    parseKlogLevel(parts[1]!);
  }
  return text;
}

/** klog's `-log_backtrace_at` syntax: empty, or `file.go:N` with N > 0. */
export function checkBacktraceAt(text: string): string {
  if (text === "") return text;
  const parts = text.split(":");
  if (parts.length !== 2 || !parts[0]!.includes(".") || !DECIMAL.test(parts[1]!)) {
    throw new ParseError("syntax error: expect file.go:234");
  }
  if (Number(parts[1]) <= 0) throw new ParseError("negative or zero value for level");
  return text;
}

/** An address of `family` (or either family when omitted); the empty text means none. */
export function parseOptionalIP(text: string, family?: Family): IPAddr | null {
  if (text === "") return null;
  try {
    if (family === 4) return parseIP4(text);
    if (family === 6) return parseIP6(text);
  } catch {
    throw new ParseError(`not an IPv${family} address`);
  }
  const ip = tryParseIP(text);
  if (ip === null) throw new ParseError("not an IP address");
  return ip;
}

const quote = (s: string) => JSON.stringify(s);
type Extra = Partial<Pick<FlagDef<unknown>, "typeWord">>;

/** A string flag; `check` may refuse or normalise the text. */
export function stringFlag(
  name: string,
  initial: string,
  usage: string,
  check: (text: string) => string = (t) => t,
  extra: Extra = {},
): FlagDef<string> {
  return {
    name,
    usage,
    initial,
    typeWord: extra.typeWord ?? "string",
    isBool: false,
    repeatable: false,
    parse: (text) => check(text),
    show: (v) => v,
  };
}

export function boolFlag(name: string, initial: boolean, usage: string): FlagDef<boolean> {
  return {
    name,
    usage,
    initial,
    typeWord: "",
    isBool: true,
    repeatable: false,
    parse: (text) => parseGoBool(text),
    show: (v) => String(v),
  };
}

/** An integer flag; `check` may refuse values out of the flag's range. */
export function intFlag(
  name: string,
  initial: number,
  usage: string,
  check: (n: number) => number = (n) => n,
  parse: (text: string) => number = parseGoInt,
  extra: Extra = {},
): FlagDef<number> {
  return {
    name,
    usage,
    initial,
    typeWord: extra.typeWord ?? "int",
    isBool: false,
    repeatable: false,
    parse: (text) => check(parse(text)),
    show: (v) => String(v),
  };
}

/** A repeatable string flag: each occurrence appends one value (no splitting on commas). */
export function listFlag(
  name: string,
  usage: string,
  check: (text: string) => string = (t) => t,
): FlagDef<readonly string[]> {
  return {
    name,
    usage,
    initial: [],
    typeWord: "value",
    isBool: false,
    repeatable: true,
    parse: (text, previous) => [...previous, check(text)],
    show: (v) => `[${v.join(" ")}]`,
  };
}

/** A string flag holding a comma-separated list (split on `,`, no trimming, as upstream). */
export function commaListFlag(
  name: string,
  initial: string,
  usage: string,
): FlagDef<readonly string[]> {
  return {
    name,
    usage,
    initial: initial.split(","),
    typeWord: "string",
    isBool: false,
    repeatable: false,
    parse: (text) => text.split(","),
    show: (v) => v.join(","),
  };
}

/** An optional IP address flag (empty = none). */
export function ipFlag(name: string, usage: string, family?: Family): FlagDef<IPAddr | null> {
  return {
    name,
    usage,
    initial: null,
    typeWord: "string",
    isBool: false,
    repeatable: false,
    parse: (text) => parseOptionalIP(text, family),
    show: (v) => v?.toString() ?? "",
  };
}

/** A flag taking one of a fixed set of words. */
export function choiceFlag<C extends string>(
  name: string,
  initial: C,
  choices: readonly C[],
  usage: string,
): FlagDef<C> {
  return {
    name,
    usage,
    initial,
    typeWord: "string",
    isBool: false,
    repeatable: false,
    parse: (text) => {
      if ((choices as readonly string[]).includes(text)) return text as C;
      throw new ParseError(`must be one of ${choices.map(quote).join(", ")}`);
    },
    show: (v) => v,
  };
}
