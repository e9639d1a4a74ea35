/**
 * A {@linkcode StatusReport} as text for people (aligned `key: value` lines, no colours) or
 * as JSON for machines.
 *
 * The JSON is the report itself, documented by the types in report.ts and kernel.ts; keys
 * are always present (null or empty when unknown), `schema` says which shape it is:
 *
 * ```json
 * { "schema": 1, "healthy": true, "problems": [], "warnings": [],
 *   "subnetEnv": { "path": "/run/flannel/subnet.env", "state": "ok",
 *     "networks": ["10.244.0.0/16"], "subnets": ["10.244.1.0/24"], "mtu": 1450, "ipMasq": true },
 *   "health": { "probed": true,
 *     "healthz": { "url": "http://127.0.0.1:8081/healthz", "status": 200, "body": "…", "error": null },
 *     "readyz": { … } },
 *   "kernel": { "error": null, "routes": 2, "routesProto242": 2, "neighbours": 2, "fdb": 2,
 *     "devices": [{ "name": "flannel.1", "kind": "vxlan", "up": true, "mtu": 1450,
 *       "mac": "…", "vni": 1, "local": "192.168.1.11", "port": 8472,
 *       "addresses": ["10.244.1.0/32"], "routes": 2, "neighbours": 2, "fdb": 2 }] } }
 * ```
 */
import type { DeviceStatus } from "./kernel.ts";
import type { ProbeFacts, StatusReport } from "./report.ts";

type Line = [key: string, value: string];

function probeText(p: ProbeFacts | null): string {
  if (p === null) return "not probed";
  if (p.status === null) return `no answer (${p.error ?? "no reply"}) at ${p.url}`;
  const body = p.body.trim().slice(0, 80);
  return `${p.status}${body === "" ? "" : ` ${body}`}`;
}

function deviceText(d: DeviceStatus): string {
  const parts = [d.up ? "up" : "DOWN", `mtu ${d.mtu}`];
  if (d.kind !== "" && d.kind !== "vxlan") parts.push(d.kind);
  if (d.vni !== null) parts.push(`vni ${d.vni}`);
  if (d.local !== null) parts.push(`local ${d.local}${d.port ? ` port ${d.port}` : ""}`);
  if (d.mac !== null) parts.push(`mac ${d.mac}`);
  if (d.addresses.length > 0) parts.push(`addr ${d.addresses.join(" ")}`);
  parts.push(`routes ${d.routes}`, `neighbours ${d.neighbours}`, `fdb ${d.fdb}`);
  return parts.join(", ");
}

function subnetLines(r: StatusReport): Line[] {
  const s = r.subnetEnv;
  const lines: Line[] = [["subnet file", `${s.path}${s.state === "ok" ? "" : ` (${s.state})`}`]];
  if (s.state === "missing" || s.state === "unreadable") return lines;
  const list = (xs: string[]) => (xs.length === 0 ? "none" : xs.join(", "));
  lines.push(
    ["network", list(s.networks)],
    ["subnet", list(s.subnets)],
    ["mtu", s.mtu === null ? "unknown" : String(s.mtu)],
    ["ip masq", s.ipMasq === null ? "unknown" : String(s.ipMasq)],
  );
  return lines;
}

function kernelLines(r: StatusReport): Line[] {
  const k = r.kernel;
  if (k.error !== null) return [["kernel", `unreadable (${k.error})`]];
  const lines: Line[] = k.devices.map((d) => [d.name, deviceText(d)]);
  if (k.devices.length === 0) lines.push(["devices", "none"]);
  lines.push(
    ["routes", `${k.routes} (${k.routesProto242} with proto 242)`],
    ["neighbours", `${k.neighbours} permanent on flannel devices`],
    ["fdb", `${k.fdb} on flannel devices`],
  );
  return lines;
}

/** Pads keys so the values line up. */
function align(lines: readonly Line[]): string {
  const width = Math.max(...lines.map(([k]) => k.length)) + 2;
  return lines.map(([k, v]) => `${`${k}:`.padEnd(width)}${v}`.trimEnd()).join("\n") + "\n";
}

/**
 * The human report.
 *
 * @example
 * ```ts
 * io.stdout(renderText(buildReport(facts)));
 * // status:       healthy
 * // subnet file:  /run/flannel/subnet.env
 * // …
 * ```
 */
export function renderText(r: StatusReport): string {
  const n = r.problems.length;
  const verdict = r.healthy ? "healthy" : `UNHEALTHY (${n} problem${n === 1 ? "" : "s"})`;
  const health: Line[] = r.health.probed
    ? [["healthz", probeText(r.health.healthz)], ["readyz", probeText(r.health.readyz)]]
    : [["health", "not probed (--healthz-port 0)"]];
  return align([
    ["status", verdict],
    ...subnetLines(r),
    ...health,
    ...kernelLines(r),
    ...r.problems.map((p): Line => ["problem", p]),
    ...r.warnings.map((w): Line => ["warning", w]),
  ]);
}

/** The machine report: the {@linkcode StatusReport} as indented JSON and a newline. */
export function renderJson(r: StatusReport): string {
  return JSON.stringify(r, null, 2) + "\n";
}
