/**
 * Reading JSON objects the way Go's `encoding/json` fills a struct, which is what upstream
 * flannel uses for net-conf.json, lease values and backend options: keys match field names
 * case-insensitively, unknown keys are ignored, and a later duplicate wins.
 */
import { ParseError } from "../errors.ts";

/**
 * Maps a parsed JSON object onto the given field names (case-insensitively).
 * Returns only the fields present, under their canonical spelling.
 */
export function goFields(
  obj: Record<string, unknown>,
  fields: readonly string[],
): Map<string, unknown> {
  const canonical = new Map(fields.map((f) => [f.toLowerCase(), f]));
  const out = new Map<string, unknown>();
  for (const [key, value] of Object.entries(obj)) {
    const field = canonical.get(key.toLowerCase());
    if (field !== undefined) out.set(field, value);
  }
  return out;
}

/** Parses JSON text that must hold an object. */
export function parseJSONObject(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ParseError(`Invalid JSON in ${what}: ${(err as Error).message}`, { cause: err });
  }
  if (!isPlainObject(value)) {
    throw new ParseError(`${what} must be a JSON object, not ${jsonKind(value)}`);
  }
  return value;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The JSON type name of a value, for error messages. */
export function jsonKind(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

/** Reads an optional boolean field. */
export function optBool(f: Map<string, unknown>, key: string, what: string): boolean | undefined {
  const v = f.get(key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw typeError(what, key, v, "a boolean");
  return v;
}

/** Reads an optional non-negative integer field (Go `uint`/`int`). */
export function optUint(f: Map<string, unknown>, key: string, what: string): number | undefined {
  const v = f.get(key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
    throw typeError(what, key, v, "a non-negative integer");
  }
  return v;
}

/** Reads an optional string field. */
export function optString(f: Map<string, unknown>, key: string, what: string): string | undefined {
  const v = f.get(key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw typeError(what, key, v, "a string");
  return v;
}

function typeError(what: string, key: string, v: unknown, want: string): ParseError {
  return new ParseError(
    `${what}: "${key}" must be ${want}, not ${jsonKind(v)} ${JSON.stringify(v)}`,
  );
}
