/**
 * The lease value stored under a subnet key, byte-compatible with upstream's JSON of
 * `LeaseAttrs`: `{"PublicIP":"1.2.3.4","PublicIPv6":null,"BackendType":"vxlan",
 * "BackendData":{...},"BackendV6Data":{...}}` in exactly this field order, `PublicIP` always
 * present (`"0.0.0.0"` when unset), empty backend fields omitted.
 */
import { optString, parseJSONObject } from "../config/json_fields.ts";
import { ParseError } from "../errors.ts";
import { type IPAddr, parseIP4, parseIP6 } from "../ip/mod.ts";
import type { LeaseAttrs } from "./types.ts";

/** Encodes attributes as upstream does (compact JSON, upstream field order). */
export function encodeLeaseAttrs(a: LeaseAttrs): string {
  const out: Record<string, unknown> = {
    PublicIP: a.publicIP?.toString() ?? "0.0.0.0",
    PublicIPv6: a.publicIPv6?.toString() ?? null,
  };
  if (a.backendType !== "") out.BackendType = a.backendType;
  if (a.backendData !== undefined) out.BackendData = a.backendData;
  if (a.backendV6Data !== undefined) out.BackendV6Data = a.backendV6Data;
  return JSON.stringify(out);
}

const FIELDS = ["PublicIP", "PublicIPv6", "BackendType", "BackendData", "BackendV6Data"] as const;
/** Lower-case key → field, made once: an agent decodes thousands of values at start. */
const CANONICAL: ReadonlyMap<string, string> = new Map(FIELDS.map((f) => [f.toLowerCase(), f]));

/**
 * `goFields(obj, FIELDS)` without its per-call field table; keys spelled as upstream writes
 * them (all of them, in practice) skip the case folding.
 */
function leaseFields(obj: Record<string, unknown>): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const key of Object.keys(obj)) {
    const field = (FIELDS as readonly string[]).includes(key)
      ? key
      : CANONICAL.get(key.toLowerCase());
    if (field !== undefined) out.set(field, obj[key]);
  }
  return out;
}

function ipOrNull(text: string | undefined, parse: (t: string) => IPAddr): IPAddr | null {
  if (text === undefined || text === "") return null;
  const ip = parse(text);
  return ip.isUnspecified() ? null : ip;
}

/** Decodes a lease value (keys matched case-insensitively, as Go does); throws ParseError. */
export function decodeLeaseAttrs(text: string): LeaseAttrs {
  const f = leaseFields(parseJSONObject(text, "lease value"));
  const what = "lease value";
  try {
    const attrs: LeaseAttrs = {
      publicIP: ipOrNull(optString(f, "PublicIP", what), parseIP4),
      publicIPv6: ipOrNull(optString(f, "PublicIPv6", what), parseIP6),
      backendType: optString(f, "BackendType", what) ?? "",
    };
    const data = f.get("BackendData");
    const data6 = f.get("BackendV6Data");
    if (data !== undefined && data !== null) attrs.backendData = data;
    if (data6 !== undefined && data6 !== null) attrs.backendV6Data = data6;
    return attrs;
  } catch (err) {
    if (err instanceof ParseError && !err.message.startsWith(what)) {
      throw new ParseError(`${what}: ${err.message}`, { cause: err });
    }
    throw err;
  }
}
