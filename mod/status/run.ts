/**
 * `flanneld status`, the IO part: reads subnet.env, probes the agent's health server, dumps
 * the kernel state of the current network namespace, and prints the report (report.ts,
 * render.ts). Exit status: 0 healthy, 1 not, 2 bad flags.
 *
 * Design notes: the three reads run concurrently and each failure is a fact in the report,
 * never a crash: an on-call engineer gets the whole picture even when half of it is broken.
 * The kernel is read through the agent's own rtnetlink connection (mod/agent/agent_rtnl.ts),
 * read-only dumps, no `ip` child process. The world is injected so the command is tested
 * without root or an agent. No store client is loaded: `status` is local and fast.
 */
import * as K from "../netlink/codec/consts.ts";
import { errorText } from "../errors.ts";
import { tryParseIP } from "../ip/mod.ts";
import type { Env } from "../config/flags.ts";
import { FlagError } from "../config/flags.ts";
import { readSubnetEnvFile } from "../config/subnet_env_file.ts";
import { openAgentRtnl } from "../agent/agent_rtnl.ts";
import { EXIT_USAGE, PROGRAM } from "../agent/cli.ts";
import type { KernelDump } from "./kernel.ts";
import { parseStatusFlags, type StatusOptions, statusUsage } from "./flags.ts";
import { buildReport, type ProbeFacts, type StatusFacts } from "./report.ts";
import { renderJson, renderText } from "./render.ts";

/** How much of a probe's body is kept. */
const BODY_LIMIT = 200;

/** The outside world of `status`. */
export interface StatusWorld {
  /** The file's text; null when it does not exist. */
  readText(path: string): Promise<string | null>;
  /** GET `url` within `timeoutMs`; never rejects. */
  probe(url: string, timeoutMs: number): Promise<ProbeFacts>;
  /** Dumps of the current network namespace. */
  kernel(): Promise<KernelDump>;
}

export interface StatusIO {
  stdout(text: string): void;
  stderr(text: string): void;
}

/**
 * Where to probe an agent listening on `ip:port`: a wildcard listen address (`0.0.0.0`, `::`,
 * empty) is probed on the loopback of its family.
 */
export function probeBase(ip: string, port: number): string {
  const addr = ip === "" || ip === "0.0.0.0" ? "127.0.0.1" : ip === "::" ? "::1" : ip;
  const host = tryParseIP(addr)?.family === 6 ? `[${addr}]` : addr;
  return `http://${host}:${port}`;
}

/** A GET with Deno's fetch, bounded by `timeoutMs`. */
export async function fetchProbe(url: string, timeoutMs: number): Promise<ProbeFacts> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: "manual" });
    const body = (await res.text()).slice(0, BODY_LIMIT);
    return { url, status: res.status, body, error: null };
  } catch (err) {
    return { url, status: null, body: "", error: probeError(err, timeoutMs) };
  }
}

/** A short reason from fetch's error (its cause holds the socket error). */
function probeError(err: unknown, timeoutMs: number): string {
  const e = err as Error;
  if (e.name === "TimeoutError" || e.name === "AbortError") {
    return `timed out after ${timeoutMs} ms`;
  }
  const text = e.cause instanceof Error ? `${e.message}: ${e.cause.message}` : errorText(err);
  if (/connection refused/i.test(text)) return "connection refused";
  return text.replace(/error sending request for url \([^)]*\): /, "");
}

/** Read-only rtnetlink dumps of the calling process's network namespace. */
export function dumpKernel(): Promise<KernelDump> {
  return Promise.resolve().then(() => {
    using nl = openAgentRtnl();
    const families = [K.AF_INET, K.AF_INET6];
    return {
      links: nl.link.list(),
      addrs: families.flatMap((family) => nl.addr.list({ family })),
      routes: families.flatMap((family) => nl.route.list({ family, table: "all" })),
      neighs: families.flatMap((family) => nl.neigh.list({ family })),
      fdb: nl.fdb.list(),
    };
  });
}

/** The real world: files, fetch and rtnetlink. */
export const realWorld: StatusWorld = {
  readText: readSubnetEnvFile,
  probe: fetchProbe,
  kernel: dumpKernel,
};

/** Gathers every fact; failures become facts. */
export async function gatherFacts(o: StatusOptions, world: StatusWorld): Promise<StatusFacts> {
  const base = probeBase(o.healthzIP, o.healthzPort);
  const [file, health, kernel] = await Promise.all([
    world.readText(o.subnetFile).then(
      (text) => ({ path: o.subnetFile, text, readError: null }),
      (err) => ({ path: o.subnetFile, text: null, readError: errorText(err) }),
    ),
    o.healthzPort <= 0 ? null : Promise.all([
      world.probe(`${base}/healthz`, o.timeoutMs),
      world.probe(`${base}/readyz`, o.timeoutMs),
    ]).then(([healthz, readyz]) => ({ healthz, readyz })),
    world.kernel().catch((err) => ({ error: errorText(err) })),
  ]);
  return { subnetFile: file, health, kernel };
}

/**
 * Runs `flanneld status <argv>`; returns the exit status.
 *
 * @example
 * ```ts
 * Deno.exit(await runStatus(Deno.args.slice(1), Deno.env.toObject(), io));
 * ```
 */
export async function runStatus(
  argv: readonly string[],
  env: Env,
  io: StatusIO,
  world: StatusWorld = realWorld,
): Promise<number> {
  let o: StatusOptions;
  try {
    o = parseStatusFlags(argv, env);
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    io.stderr(`${PROGRAM} status: ${err.message}\n`);
    io.stderr(`Run "${PROGRAM} status --help" for the list of flags\n`);
    return EXIT_USAGE;
  }
  if (o.help) {
    io.stdout(statusUsage(PROGRAM) + "\n");
    return 0;
  }
  const report = buildReport(await gatherFacts(o, world));
  io.stdout(o.json ? renderJson(report) : renderText(report));
  return report.healthy ? 0 : 1;
}
