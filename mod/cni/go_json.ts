/**
 * JSON text the way Go's `encoding/json` writes it, for byte-compatible CNI output and
 * scratch files.
 *
 * Design notes: Go escapes `<`, `>`, `&`, U+2028 and U+2029; `MarshalIndent` puts every
 * element on its own line and writes empty containers as `{}` / `[]`; a Go map is written
 * with sorted keys while a struct keeps field order. Here a plain object is written sorted
 * when `sortKeys` is set and in insertion order otherwise, and a `Map` always keeps its order
 * (the "struct inside a map" case, e.g. route objects in the flannel scratch file).
 * `undefined` members are skipped like Go's `omitempty`.
 */
import { ParseError } from "../errors.ts";
import { MAX_JSON_DEPTH } from "./json_depth.ts";

export interface GoJSONOptions {
  /** Indent unit for `MarshalIndent` (Go CNI output uses four spaces); compact when absent. */
  indent?: string;
  /** Write plain objects with sorted keys (Go maps). */
  sortKeys?: boolean;
}

const GO_ESCAPES = /[<>&\u2028\u2029]/g;

/** A JSON string literal with Go's extra escapes. */
export function goQuote(s: string): string {
  return JSON.stringify(s).replace(
    GO_ESCAPES,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** Serialises `value` like Go's `json.Marshal` / `json.MarshalIndent`. */
export function goJSON(value: unknown, opts: GoJSONOptions = {}): string {
  return write(value, opts, "", 0);
}

function entriesOf(value: object, sort: boolean): [string, unknown][] {
  if (value instanceof Map) return [...(value as Map<string, unknown>).entries()];
  const e = Object.entries(value).filter(([, v]) => v !== undefined);
  return sort ? e.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : e;
}

function join(items: string[], open: string, close: string, opts: GoJSONOptions, pad: string) {
  if (items.length === 0) return open + close;
  if (opts.indent === undefined) return open + items.join(",") + close;
  const inner = pad + opts.indent;
  return `${open}\n${inner}${items.join(`,\n${inner}`)}\n${pad}${close}`;
}

function write(value: unknown, opts: GoJSONOptions, pad: string, depth: number): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return goQuote(value);
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "null";
  if (typeof value === "boolean") return String(value);
  if (typeof value === "bigint") return value.toString();
  // Recursive: CNI input is bounded on entry (json_depth.ts); this bound is the backstop.
  if (depth >= MAX_JSON_DEPTH) {
    throw new ParseError(`JSON value nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  const next = pad + (opts.indent ?? "");
  if (Array.isArray(value)) {
    return join(value.map((v) => write(v, opts, next, depth + 1)), "[", "]", opts, pad);
  }
  if (typeof value === "object") {
    const sep = opts.indent === undefined ? ":" : ": ";
    const items = entriesOf(value, opts.sortKeys === true)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => goQuote(k) + sep + write(v, opts, next, depth + 1));
    return join(items, "{", "}", opts, pad);
  }
  return "null";
}
