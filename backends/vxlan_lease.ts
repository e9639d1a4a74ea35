/**
 * A remote vxlan lease's backend data (`{"VNI":1,"VtepMAC":"c6:d2:32:6f:8f:44"}`, upstream's
 * `vxlanLeaseAttrs`): reading it and saying why it cannot be planned, as pure functions.
 *
 * Design notes: upstream decodes the data with Go's JSON decoder into `{VNI uint16, VtepMAC}`
 * and drops an event whose data does not decode (a VNI that is not a number, a malformed
 * MAC) with an error line. We refuse the same and also a multicast, broadcast or all-zero
 * VtepMAC: the kernel refuses such an FDB entry (`EOPNOTSUPP`), so it would be retried every
 * pass, and no VTEP has one. The VNI is checked, not used (a peer's device carries its own);
 * it may take all 24 bits, as our agents write them (upstream's `uint16` stops at 65535).
 */
import { parseMac } from "./vxlan_device.ts";

/** The largest VXLAN network identifier (24 bits). */
export const MAX_VNI = 0xffffff;

/** A field by Go's JSON key matching (case-insensitive; a later duplicate wins). */
function goField(data: Record<string, unknown>, name: string): unknown {
  const lower = name.toLowerCase();
  let v: unknown;
  for (const [key, value] of Object.entries(data)) {
    if (key === name || key.toLowerCase() === lower) v = value;
  }
  return v;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** `VtepMAC` of a lease's backend data (Go-style key matching); null when absent or bad. */
export function vtepMac(data: unknown): string | null {
  if (!isObject(data)) return null;
  const v = goField(data, "VtepMAC");
  return typeof v === "string" ? parseMac(v) : null;
}

/** Whether a MAC (lower-case colon form) can name a VTEP: unicast and not all zeros. */
function macProblem(mac: string): string | null {
  const first = parseInt(mac.slice(0, 2), 16);
  if ((first & 1) !== 0) return `VtepMAC "${mac}" is a multicast or broadcast address`;
  if (/^00(?::00){5}$/.test(mac)) return `VtepMAC "${mac}" is all zeros`;
  return null;
}

/** A JSON value shortened for a log line. */
function shown(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/**
 * Why one family's backend data (`field` names it: `BackendData`, `BackendV6Data`) cannot be
 * planned; null when it can.
 *
 * @example
 * ```ts
 * vxlanDataProblem({ VNI: "x", VtepMAC: "02:42:c6:12:00:64" }, "BackendData");
 * // 'BackendData: VNI "x" is not a VXLAN network identifier'
 * ```
 */
export function vxlanDataProblem(data: unknown, field: string): string | null {
  if (data === undefined) return `it has no ${field}`;
  if (!isObject(data)) return `${field} ${shown(data)} is not a JSON object`;
  const vni = goField(data, "VNI");
  if (
    vni !== undefined && vni !== null &&
    !(Number.isInteger(vni) && (vni as number) >= 0 && (vni as number) <= MAX_VNI)
  ) {
    return `${field}: VNI ${shown(vni)} is not a VXLAN network identifier`;
  }
  const raw = goField(data, "VtepMAC");
  if (raw === undefined || raw === null) return `${field} has no VtepMAC`;
  const mac = typeof raw === "string" ? parseMac(raw) : null;
  if (mac === null) return `${field}: VtepMAC ${shown(raw)} is not a MAC address`;
  const bad = macProblem(mac);
  return bad === null ? null : `${field}: ${bad}`;
}
