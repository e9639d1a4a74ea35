/**
 * The flannel plugin's own configuration (spec/cni.md §2.1), decoded with Go's
 * `encoding/json` rules: keys match case-insensitively, `null` keeps a default, a value of
 * the wrong JSON type is an error naming the field and its Go type. Top-level bridge options
 * (`ipMasq`, `mtu`, ...) are not flannel fields and are dropped, as upstream drops them.
 */
import { goFields, isPlainObject, jsonKind } from "../../config/json_fields.ts";

/** Where flanneld writes the node's subnet facts. */
export const DEFAULT_SUBNET_FILE = "/run/flannel/subnet.env";
/** Where the rendered delegate configs are kept between ADD and DEL. */
export const DEFAULT_DATA_DIR = "/var/lib/cni/flannel";

/** The decoded flannel fields; objects are `null` when absent or JSON `null`. */
export interface FlannelNetConf {
  cniVersion: string;
  name: string;
  subnetFile: string;
  dataDir: string;
  delegate: Record<string, unknown> | null;
  ipam: Record<string, unknown> | null;
  runtimeConfig: Record<string, unknown> | null;
}

type Check = (v: unknown) => string | null;
const isStr: Check = (v) => (typeof v === "string" ? null : "string");
const isObj: Check = (v) => (isPlainObject(v) ? null : "map[string]interface {}");
const isCaps: Check = (v) =>
  !isPlainObject(v)
    ? "map[string]bool"
    : Object.values(v).every((b) => typeof b === "boolean" || b === null)
    ? null
    : "bool";
const isStrList = (v: unknown) =>
  v === null || (Array.isArray(v) && v.every((s) => typeof s === "string"));
const isDNS: Check = (v) => {
  if (!isPlainObject(v)) return "types.DNS";
  const f = goFields(v, ["nameservers", "domain", "search", "options"]);
  for (const k of ["nameservers", "search", "options"]) {
    if (f.has(k) && !isStrList(f.get(k))) return "[]string";
  }
  return f.has("domain") && f.get("domain") !== null && typeof f.get("domain") !== "string"
    ? "string"
    : null;
};

const FIELDS: Record<string, Check> = {
  cniVersion: isStr,
  name: isStr,
  type: isStr,
  capabilities: isCaps,
  ipam: isObj,
  dns: isDNS,
  prevResult: isObj,
  subnetFile: isStr,
  dataDir: isStr,
  delegate: isObj,
  runtimeConfig: isObj,
};

function goKind(v: unknown): string {
  return typeof v === "boolean" ? "bool" : jsonKind(v);
}

/** Decodes the flannel fields of a stdin config; throws `failed to load netconf: ...`. */
export function parseFlannelConf(config: Record<string, unknown>): FlannelNetConf {
  const f = goFields(config, Object.keys(FIELDS));
  for (const [key, value] of f) {
    const want = value === null ? null : FIELDS[key]!(value);
    if (want !== null) {
      throw new Error(
        `failed to load netconf: json: cannot unmarshal ${
          goKind(value)
        } into Go struct field NetConf.${key} of type ${want}`,
      );
    }
  }
  return fromFields(f);
}

/**
 * DEL's reading of the same fields: a wrong-typed field counts as absent, since DEL needs
 * only `dataDir` (and, for a cleanup with defaults, `name` and `ipam`) and must not fail on
 * a config whose ADD was refused. Null when `dataDir` itself is wrong-typed: no ADD of this
 * config (ours or upstream's) saved state anywhere, so there is nothing to undo — and the
 * default directory may hold another network's state for the same container.
 */
export function parseFlannelDelConf(config: Record<string, unknown>): FlannelNetConf | null {
  const f = goFields(config, Object.keys(FIELDS));
  const dataDir = f.get("dataDir");
  return dataDir === undefined || dataDir === null || typeof dataDir === "string"
    ? fromFields(f)
    : null;
}

function fromFields(f: Map<string, unknown>): FlannelNetConf {
  const s = (k: string, def: string) => (typeof f.get(k) === "string" ? f.get(k) as string : def);
  const o = (k: string) => (isPlainObject(f.get(k)) ? f.get(k) as Record<string, unknown> : null);
  return {
    cniVersion: s("cniVersion", ""),
    name: s("name", ""),
    subnetFile: s("subnetFile", DEFAULT_SUBNET_FILE),
    dataDir: s("dataDir", DEFAULT_DATA_DIR),
    delegate: o("delegate"),
    ipam: o("ipam"),
    runtimeConfig: o("runtimeConfig"),
  };
}
