/**
 * What the sandbox measures between pods: one ping (answered or not, with its round-trip
 * time) and an iperf3 TCP run. The parsers are pure; the runners spawn `ping` and `iperf3`
 * inside pod namespaces through `ip netns exec`.
 */
import { exec, type Netns } from "../lab/netns.ts";

/** One ping result: answered with an RTT in ms, or not (`rttMs` null). */
export interface PingResult {
  ok: boolean;
  rttMs: number | null;
}

/** PURE: reads `ping -c N` output (iputils); the average RTT of the answered probes. */
export function parsePing(code: number, stdout: string): PingResult {
  const m = stdout.match(/= [\d.]+\/([\d.]+)\/[\d.]+\/[\d.]+ ms/);
  if (code !== 0 || !m) return { ok: false, rttMs: null };
  return { ok: true, rttMs: Number(m[1]) };
}

/** Pings `ip` from `pod` with `count` probes 100 ms apart, waiting at most 1 s for each. */
export async function ping(pod: Netns, ip: string, count = 2): Promise<PingResult> {
  const args = ["netns", "exec", pod.name, "ping", "-q", "-n", "-c", String(count)];
  const r = await exec("ip", [...args, "-i", "0.1", "-W", "1", ip]);
  return parsePing(r.code, r.stdout);
}

/** PURE: bits per second the receiver counted, from `iperf3 -J` output. */
export function parseIperf(json: string): number {
  let doc: { end?: { sum_received?: { bits_per_second?: unknown } }; error?: unknown };
  try {
    doc = JSON.parse(json);
  } catch {
    throw new Error(`iperf3 printed no JSON: ${JSON.stringify(json.slice(0, 200))}`);
  }
  if (typeof doc.error === "string") throw new Error(`iperf3: ${doc.error}`);
  const bps = doc.end?.sum_received?.bits_per_second;
  if (typeof bps !== "number") throw new Error("iperf3 JSON has no end.sum_received");
  return bps;
}

/** Human throughput: `9.41 Gbit/s`, `812 Mbit/s`. */
export function formatBps(bps: number): string {
  return bps >= 1e9 ? `${(bps / 1e9).toFixed(2)} Gbit/s` : `${(bps / 1e6).toFixed(0)} Mbit/s`;
}

/**
 * TCP throughput from `client` to `server` (address `ip`) over `seconds`: a one-shot iperf3
 * server in the server pod, killed in `finally` whatever happens.
 */
export async function iperf(
  client: Netns,
  server: Netns,
  ip: string,
  seconds = 2,
): Promise<number> {
  const srv = new Deno.Command("ip", {
    // --forceflush: into a pipe iperf3 would buffer "Server listening" until it exits.
    args: ["netns", "exec", server.name, "iperf3", "-s", "-1", "-p", "5201", "--forceflush"],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const out = srv.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const timer = setTimeout(() => kill(srv), 15_000 + seconds * 1000); // a bound, whatever hangs
  try {
    let seen = "";
    while (!seen.includes("Server listening")) {
      const { value, done } = await out.read();
      if (done) throw new Error("iperf3 server exited before listening");
      seen += value;
    }
    const r = await exec("ip", [
      "netns",
      "exec",
      client.name,
      "iperf3",
      "-c",
      ip,
      "-p",
      "5201",
      "-t",
      String(seconds),
      "-J",
    ]);
    return parseIperf(r.stdout);
  } finally {
    clearTimeout(timer);
    kill(srv);
    await out.cancel().catch(() => {});
    await srv.stderr.cancel().catch(() => {});
    await srv.status;
  }
}

function kill(child: Deno.ChildProcess): void {
  try {
    child.kill("SIGKILL");
  } catch { /* already gone */ }
}
