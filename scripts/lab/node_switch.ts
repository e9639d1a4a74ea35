/**
 * Switching a host's agent in place — stop the running one (SIGTERM), start another (ours or
 * upstream's flanneld) on the same subnet.env, etcd and devices — while a bounded ping loop
 * from a pod on another host to a pod on this one counts what the data plane lost.
 *
 * Used by the interoperability tests (tests/netns/upstream) and the switch benchmark
 * (scripts/bench/switch.ts).
 *
 * @example
 * ```ts
 * const r = await switchInPlace({
 *   host: h1,
 *   start: () => h1.startAgent(flags),
 *   ping: { from: h2.pod, to: h1.podIP! },
 * });
 * // r.ping.lost === 0; r.readyMs: SIGTERM → "Running backend." of the new agent
 * ```
 *
 * Design notes: the stopped agent's exit status is never looked at (upstream v0.22.0 may
 * panic on a clean SIGTERM); a stop that takes over 5 s is a SIGKILL. Readiness is the line
 * both programs print once subnet.env is written and the backend starts, `Running backend.`
 * (ours answers /readyz 200 just before it). The ping loop is `ping -i 0.01` bounded by a
 * count and ended with SIGINT; the last probe sent before the SIGINT is not judged, its reply
 * may still be on the way. `-i` is a floor, not a rate (on this machine ping keeps ≈ 16 ms at
 * `-i 0.01`), so the interval it really kept is reported with the counts.
 */
import type { AgentProcess } from "./agent_process.ts";
import type { Host } from "./cluster.ts";
import type { Netns } from "./netns.ts";

/** What a ping loop saw. */
export interface PingStats {
  sent: number;
  received: number;
  /** Probes without a reply, the last one sent aside. */
  lost: number;
  /** The longest run of consecutive probes without a reply. */
  longestGap: number;
  /** The interval ping really kept (its `time` over the probes sent), ms: `-i 0.01` is a floor. */
  intervalMs: number;
}

/** PURE: `ping` output (one line per reply, then the summary) → {@linkcode PingStats}. */
export function parsePing(out: string): PingStats {
  const m = out.match(/(\d+) packets transmitted, (\d+) received.*?time (\d+)ms/);
  if (!m) throw new Error(`No ping summary in:\n${out.slice(-500)}`);
  const sent = Number(m[1]), received = Number(m[2]);
  const intervalMs = sent > 1 ? Number(m[3]) / (sent - 1) : 0;
  const answered = new Set<number>();
  for (const s of out.matchAll(/icmp_seq=(\d+)/g)) answered.add(Number(s[1]));
  let lost = 0, run = 0, longestGap = 0;
  for (let seq = 1; seq < sent; seq++) {
    if (answered.has(seq)) run = 0;
    else {
      lost++;
      longestGap = Math.max(longestGap, ++run);
    }
  }
  return { sent, received, lost, longestGap, intervalMs };
}

/** `ping -n -i <interval> -c <maxCount> -W 1 <ip>` in `ns` until {@linkcode PingLoop.stop}. */
export class PingLoop {
  readonly #child: Deno.ChildProcess;
  readonly #out: Promise<Deno.CommandOutput>;

  private constructor(child: Deno.ChildProcess) {
    this.#child = child;
    this.#out = child.output();
  }

  /** Starts pinging (at most `maxCount` probes, so the loop ends on its own too). */
  static start(ns: Netns, ip: string, intervalMs = 10, maxCount = 3000): PingLoop {
    const args = ["-n", "-i", String(intervalMs / 1000), "-c", String(maxCount), "-W", "1", ip];
    const child = new Deno.Command("ip", {
      args: ["netns", "exec", ns.name, "ping", ...args],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    return new PingLoop(child);
  }

  /** SIGINT (ping prints its summary) and the counts. */
  async stop(): Promise<PingStats> {
    try {
      this.#child.kill("SIGINT");
    } catch { /* already done */ }
    const out = await this.#out;
    return parsePing(new TextDecoder().decode(out.stdout));
  }
}

/** What one switch cost. */
export interface SwitchResult {
  /** SIGTERM → the old agent's exit. */
  downMs: number;
  /** SIGTERM → the new agent's `Running backend.` line. */
  readyMs: number;
  ping: PingStats;
  /** The new agent. */
  agent: AgentProcess;
}

export interface SwitchOptions {
  host: Host;
  /** Starts the next agent on `host` (e.g. `() => host.startAgent(flags, {}, flanneld)`). */
  start: () => AgentProcess;
  /** The ping loop: from a pod on another host to a pod on `host`. */
  ping: { from: Netns; to: string };
  /** Pinging before the stop and after the new agent is ready (default 300 ms). */
  settleMs?: number;
  intervalMs?: number;
  /** The new agent's readiness line (default `Running backend.`). */
  ready?: RegExp;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Stops `host`'s agent (SIGTERM, SIGKILL after 5 s), exit status ignored; returns when gone. */
export async function stopAnyAgent(host: Host): Promise<void> {
  const a = host.agent;
  if (a === null || !a.running) return;
  await a.stop("SIGTERM", 5000);
}

/** Switches `host`'s agent in place under a ping loop; see the module doc. */
export async function switchInPlace(o: SwitchOptions): Promise<SwitchResult> {
  const settle = o.settleMs ?? 300;
  const loop = PingLoop.start(o.ping.from, o.ping.to, o.intervalMs ?? 10);
  try {
    await sleep(settle);
    const t0 = performance.now();
    await stopAnyAgent(o.host);
    const downMs = performance.now() - t0;
    const agent = o.start();
    await agent.waitFor(o.ready ?? /Running backend\./, 30_000, 5);
    const readyMs = performance.now() - t0;
    await sleep(settle);
    return { downMs, readyMs, ping: await loop.stop(), agent };
  } finally {
    await loop.stop().catch(() => {});
  }
}
