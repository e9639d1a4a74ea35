/**
 * `flanneld status`, the pure part: the facts gathered on a node (subnet.env text, health
 * probe answers, rtnetlink dumps) → a {@linkcode StatusReport} with its verdict.
 *
 * Design notes: the verdict is a list of problems; the node is healthy when there is none.
 * A problem is something an on-call engineer must act on: subnet.env missing or without a
 * subnet, `/healthz` or `/readyz` not answering 200, a flannel device down, the kernel state
 * unreadable. Without a health server (`--healthz-port 0`) readiness cannot be asked, so at
 * least one flannel device or route must be present instead. Warnings (an MTU that differs
 * from subnet.env, no FLANNEL_MTU) are shown but do not change the exit status.
 * subnet.env is read with mod/config's parser, so `status` sees exactly what the agent's
 * next start and the CNI plugin see; its error lines become problems.
 */
import { errorText } from "../errors.ts";
import type { IPNet } from "../ip/mod.ts";
import type { Logger } from "../log.ts";
import { parseDotenv, SUBNET_ENV_CIDR_KEYS, subnetEnvCIDRs } from "../config/subnet_env.ts";
import { type KernelDump, type KernelSummary, summarizeKernel } from "./kernel.ts";

/** The shape version of {@linkcode StatusReport} (JSON `schema`); bumped on breaking change. */
export const STATUS_SCHEMA = 1;

/** subnet.env as read: `text` null when the file does not exist. */
export interface SubnetFileFacts {
  path: string;
  text: string | null;
  /** Why the file could not be read (permissions, a directory, …). */
  readError: string | null;
}

/** One HTTP probe: the status and body, or why nothing answered. */
export interface ProbeFacts {
  url: string;
  status: number | null;
  body: string;
  error: string | null;
}

/** Everything `status` looked at; `health` null when not probed (`--healthz-port 0`). */
export interface StatusFacts {
  subnetFile: SubnetFileFacts;
  health: { healthz: ProbeFacts; readyz: ProbeFacts } | null;
  kernel: KernelDump | { error: string };
}

/** subnet.env in the report. */
export interface SubnetEnvStatus {
  path: string;
  state: "ok" | "missing" | "unreadable" | "invalid";
  /** FLANNEL_NETWORK then FLANNEL_IPV6_NETWORK entries. */
  networks: string[];
  /** FLANNEL_SUBNET then FLANNEL_IPV6_SUBNET entries, as networks (host bits cleared). */
  subnets: string[];
  mtu: number | null;
  ipMasq: boolean | null;
}

/** The flannel kernel state in the report; `error` set (and all empty) when unreadable. */
export type KernelStatus = KernelSummary & { error: string | null };

/** What `flanneld status` reports (also its `--json` output). */
export interface StatusReport {
  schema: typeof STATUS_SCHEMA;
  healthy: boolean;
  problems: string[];
  warnings: string[];
  subnetEnv: SubnetEnvStatus;
  health: { probed: boolean; healthz: ProbeFacts | null; readyz: ProbeFacts | null };
  kernel: KernelStatus;
}

/** A Logger that keeps the parser's error and warning lines. */
function collector(into: string[]): Logger {
  const keep = (m: string) => void into.push(m);
  const log: Logger = {
    info: () => {},
    warn: keep,
    error: keep,
    v: () => {},
    enabled: () => false,
    with: () => log,
  };
  return log;
}

type Parsed = { env: SubnetEnvStatus; nets: IPNet[]; problems: string[]; warnings: string[] };

function subnetEnvOf(f: SubnetFileFacts): Parsed {
  const env: SubnetEnvStatus = {
    path: f.path,
    state: "ok",
    networks: [],
    subnets: [],
    mtu: null,
    ipMasq: null,
  };
  const out: Parsed = { env, nets: [], problems: [], warnings: [] };
  if (f.readError !== null) {
    env.state = "unreadable";
    out.problems.push(`Cannot read subnet file "${f.path}": ${f.readError}`);
    return out;
  }
  if (f.text === null) {
    env.state = "missing";
    out.problems.push(
      `Subnet file "${f.path}" does not exist (agent not started, or another --subnet-file)`,
    );
    return out;
  }
  let vars: Map<string, string>;
  try {
    vars = parseDotenv(f.text);
  } catch (err) {
    env.state = "invalid";
    out.problems.push(`Subnet file "${f.path}" is not valid: ${errorText(err)}`);
    return out;
  }
  const bad: string[] = [];
  const cidrs = (key: keyof typeof SUBNET_ENV_CIDR_KEYS) =>
    vars.has(key) ? subnetEnvCIDRs(vars, key, collector(bad), f.path) : [];
  out.nets = [...cidrs("FLANNEL_NETWORK"), ...cidrs("FLANNEL_IPV6_NETWORK")];
  env.networks = out.nets.map(String);
  env.subnets = [...cidrs("FLANNEL_SUBNET"), ...cidrs("FLANNEL_IPV6_SUBNET")].map(String);
  out.problems.push(...bad);
  if (env.subnets.length === 0) {
    out.problems.push(`Subnet file "${f.path}" has no FLANNEL_SUBNET or FLANNEL_IPV6_SUBNET`);
  }
  if (out.problems.length > 0) env.state = "invalid";
  scalars(vars, out);
  return out;
}

/** FLANNEL_MTU and FLANNEL_IPMASQ; a missing or bad MTU is a warning. */
function scalars(vars: ReadonlyMap<string, string>, out: Parsed): void {
  const mtu = vars.get("FLANNEL_MTU");
  out.env.mtu = mtu !== undefined && /^[0-9]+$/.test(mtu) ? Number(mtu) : null;
  if (out.env.mtu === null) {
    out.warnings.push(`Subnet file has no valid FLANNEL_MTU ("${mtu ?? ""}")`);
  }
  const masq = vars.get("FLANNEL_IPMASQ");
  out.env.ipMasq = masq === "true" ? true : masq === "false" ? false : null;
}

function probeProblem(p: ProbeFacts, path: string): string | null {
  if (p.status === 200) return null;
  if (p.status === null) return `${path} did not answer at ${p.url}: ${p.error ?? "no reply"}`;
  const body = p.body.trim().slice(0, 80);
  return `${path} answered ${p.status}${body === "" ? "" : ` (${body})`}`;
}

const EMPTY_KERNEL = { devices: [], routes: 0, routesProto242: 0, neighbours: 0, fdb: 0 };

function kernelProblems(k: KernelStatus, mtu: number | null, out: Parsed): void {
  if (k.error !== null) out.problems.push(`Cannot read the kernel state: ${k.error}`);
  for (const d of k.devices) {
    if (!d.up) out.problems.push(`Device "${d.name}" is down`);
    if (mtu !== null && d.kind === "vxlan" && d.mtu !== mtu) {
      out.warnings.push(`Device "${d.name}" has MTU ${d.mtu} but subnet.env says ${mtu}`);
    }
  }
}

/**
 * The report and verdict for `facts`.
 *
 * @example
 * ```ts
 * const r = buildReport(facts);
 * Deno.exit(r.healthy ? 0 : 1);
 * ```
 */
export function buildReport(facts: StatusFacts): StatusReport {
  const parsed = subnetEnvOf(facts.subnetFile);
  const kernel: KernelStatus = "error" in facts.kernel
    ? { error: facts.kernel.error, ...EMPTY_KERNEL }
    : { error: null, ...summarizeKernel(facts.kernel, parsed.nets) };
  const h = facts.health;
  if (h === null) {
    if (kernel.error === null && kernel.devices.length === 0 && kernel.routes === 0) {
      parsed.problems.push("No flannel device or route in this network namespace");
    }
  } else {
    for (const [p, path] of [[h.healthz, "/healthz"], [h.readyz, "/readyz"]] as const) {
      const problem = probeProblem(p, path);
      if (problem !== null) parsed.problems.push(problem);
    }
  }
  kernelProblems(kernel, parsed.env.mtu, parsed);
  return {
    schema: STATUS_SCHEMA,
    healthy: parsed.problems.length === 0,
    problems: parsed.problems,
    warnings: parsed.warnings,
    subnetEnv: parsed.env,
    health: { probed: h !== null, healthz: h?.healthz ?? null, readyz: h?.readyz ?? null },
    kernel,
  };
}
