/**
 * Type checks of parsed JSON against the Go struct a reference plugin decodes it into, with
 * `encoding/json`'s error text, e.g.
 * `json: cannot unmarshal number into Go struct field IPAMConfig.ipam.dataDir of type string`.
 *
 * Design notes: Go names the innermost struct holding the field and the whole path of JSON
 * field names from the root (slices and map keys add nothing); `null` is accepted anywhere
 * (it leaves the zero value); keys match case-insensitively; an int refuses a fraction
 * (`number 1.5`). A type with its own `UnmarshalJSON` (`opaque`, e.g. `types.Route`) decodes
 * its inside with a fresh decoder, so errors there carry the context of the field holding it.
 * Leaves with a text parser (`net.IP`, `types.IPNet`) report the parser's message as is. The
 * walk visits keys in document order and stops at the first error (the reference reports the
 * first one too). Inputs are bounded in depth by the CNI dispatcher, and schemas are shallow.
 */
import { isPlainObject } from "../config/json_fields.ts";

/** A Go type as `encoding/json` sees it. */
export type GoType =
  | GoLeaf
  | { kind: "struct"; go: string; name: string; fields: Record<string, GoType>; opaque?: boolean }
  | { kind: "slice"; go: string; elem: GoType }
  | { kind: "map"; go: string; elem: GoType };

/** A scalar; `parse` checks a string's text (returns the parser's error, or null). */
export interface GoLeaf {
  kind: "string" | "bool" | "int" | "any";
  go?: string;
  parse?: (s: string) => string | null;
}

/** Shorthands for schemas. */
export const GoT = {
  string: { kind: "string" } as GoType,
  bool: { kind: "bool" } as GoType,
  int: { kind: "int" } as GoType,
  any: { kind: "any" } as GoType,
  slice: (go: string, elem: GoType): GoType => ({ kind: "slice", go, elem }),
  map: (go: string, elem: GoType): GoType => ({ kind: "map", go, elem }),
  struct: (go: string, name: string, fields: Record<string, GoType>, opaque = false): GoType => ({
    kind: "struct",
    go,
    name,
    fields,
    opaque,
  }),
  text: (go: string, parse: (s: string) => string | null): GoType => ({
    kind: "string",
    go,
    parse,
  }),
};

function kindOf(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "object") return "object";
  return typeof v;
}

function goName(t: GoType): string {
  return t.go ?? t.kind;
}

interface Ctx {
  struct: string;
  path: string[];
}

function mismatch(v: unknown, t: GoType, ctx: Ctx): string {
  const what = typeof v === "number" && t.kind === "int" ? `number ${v}` : kindOf(v);
  return `json: cannot unmarshal ${what} into Go struct field ${ctx.struct}.${
    ctx.path.join(".")
  } of type ${goName(t)}`;
}

function leaf(v: unknown, t: GoLeaf, ctx: Ctx): string | null {
  if (t.kind === "any") return null;
  if (t.kind === "string") {
    if (typeof v !== "string") return mismatch(v, t, ctx);
    return t.parse ? t.parse(v) : null;
  }
  if (t.kind === "bool") return typeof v === "boolean" ? null : mismatch(v, t, ctx);
  return typeof v === "number" && Number.isInteger(v) ? null : mismatch(v, t, ctx);
}

function fieldsOf(obj: Record<string, unknown>, fields: Record<string, GoType>) {
  const byLower = new Map(Object.keys(fields).map((k) => [k.toLowerCase(), k]));
  const out: [string, unknown][] = [];
  for (const [key, value] of Object.entries(obj)) {
    const name = byLower.get(key.toLowerCase());
    if (name !== undefined) out.push([name, value]);
  }
  return out;
}

function check(v: unknown, t: GoType, ctx: Ctx): string | null {
  if (v === null || v === undefined) return null;
  if (t.kind === "slice" || t.kind === "map") {
    const ok = t.kind === "slice" ? Array.isArray(v) : isPlainObject(v);
    if (!ok) return mismatch(v, t, ctx);
    for (const item of Object.values(v as object)) {
      const err = check(item, t.elem, ctx);
      if (err !== null) return err;
    }
    return null;
  }
  if (t.kind !== "struct") return leaf(v, t, ctx);
  if (!isPlainObject(v)) return mismatch(v, t, ctx);
  for (const [name, value] of fieldsOf(v, t.fields)) {
    const inner = t.opaque ? ctx : { struct: t.name, path: [...ctx.path, name] };
    const err = check(value, t.fields[name]!, inner);
    if (err !== null) return err;
  }
  return null;
}

/** The first decoding error of `value` as Go would report it for `schema`, or null. */
export function goDecodeError(value: unknown, schema: GoType): string | null {
  if (schema.kind !== "struct") return check(value, schema, { struct: "", path: [] });
  if (!isPlainObject(value)) {
    return `json: cannot unmarshal ${kindOf(value)} into Go value of type ${schema.go}`;
  }
  return check(value, schema, { struct: schema.name, path: [] });
}
