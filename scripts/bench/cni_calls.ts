/**
 * Timing CNI plugin calls and reporting them, for scripts/bench/cni.ts: each call spawned
 * with its env and stdin, timed from spawn to exit, its `FLANNEL_CNI_TRACE` marks (see
 * mod/cni/mod.ts) taken relative to the spawn; tables of medians and of phases.
 */

/** One plugin call: which variant, the command line, its env and stdin. */
export interface Call {
  variant: string;
  argv: string[];
  env: Record<string, string>;
  stdin: string;
}

/** One timed call: total ms from spawn to exit, and its trace marks (ms after the spawn). */
export interface Timed {
  variant: string;
  ms: number;
  code: number;
  out: string;
  marks: [string, number][];
}

/** What each mark ends (the phase from the previous mark to it). */
const PHASES: Record<string, string> = {
  origin: "Deno starts (exec → the runtime's time origin)",
  start: "plugin loaded (file, code cache) and its modules initialised",
  delegate: "flannel: stdin, config, subnet.env, delegate config, state file",
  "host-netlink": "bridge code initialised, netlink socket (first: dlopen libmnl + libc)",
  bridge: "`cni0` looked up (created on the first pod), accept_ra",
  "pod-netlink": "netlink socket inside the pod's netns",
  veth: "veth pair created in the pod, peer moved to the host, up, on the bridge, hairpin",
  ipam: "host-local: flock, scan of the store, reserve (ADD) or release (DEL) the address",
  "pod-config": "pod sysctls, address, link up, routes",
  gateway: "gateway address on the bridge checked, ip_forward",
  result: "bridge MAC re-read, result built",
  "pod-link": "bridge code initialised, dlopen, netlink in the pod, delete its veth (kernel)",
  masq: "masquerade rules",
  end: "result printed, call done",
  exit: "process exit (after the last mark)",
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
}

/**
 * Median duration of each phase over `timed` (calls with the same mark sequence), in the
 * order of the marks, with what the phase covers; the last row is the median total.
 */
export function phaseTable(title: string, timed: Timed[]): string[] {
  if (timed.length === 0) return [];
  const labels = [...timed[0]!.marks.map(([l]) => l), "exit"];
  const deltas = (t: Timed) => {
    const at = [...t.marks.map(([, ms]) => ms), t.ms];
    return at.map((ms, i) => ms - (i === 0 ? 0 : at[i - 1]!));
  };
  const same = timed.filter((t) => t.marks.map(([l]) => l).join() === labels.slice(0, -1).join());
  const rows = labels.map((l, i) => {
    const ms = median(same.map((t) => deltas(t)[i]!));
    return `| ${l} | ${PHASES[l] ?? ""} | ${ms.toFixed(1)} ms |`;
  });
  return [
    `| ${title}, n = ${same.length} | covers | median |`,
    "| --- | --- | --- |",
    ...rows,
    `| total | spawn → exit | ${median(same.map((t) => t.ms)).toFixed(1)} ms |`,
  ];
}

/** Runs the calls one after another; returns their timings. */
export async function timeCalls(calls: Call[]): Promise<Timed[]> {
  const out: Timed[] = [];
  const dec = new TextDecoder();
  for (const c of calls) {
    const t0 = performance.timeOrigin + performance.now();
    const child = new Deno.Command(c.argv[0]!, {
      args: c.argv.slice(1),
      env: c.env,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const w = child.stdin.getWriter();
    // VERSION does not read stdin: a closed pipe there is fine.
    await w.write(new TextEncoder().encode(c.stdin)).catch(() => {});
    await w.close().catch(() => {});
    const r = await child.output();
    const ms = performance.timeOrigin + performance.now() - t0;
    const marks = [...dec.decode(r.stderr).matchAll(/^flannel-cni-trace (\S+) ([\d.]+)$/gm)]
      .map((m): [string, number] => [m[1]!, Number(m[2]) - t0]);
    out.push({
      variant: c.variant,
      ms,
      code: r.code,
      out: r.code ? dec.decode(r.stdout) : "",
      marks,
    });
  }
  return out;
}

/** n, median, p10 and p90 of `xs`. */
export function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))]!;
  return { n: s.length, median: q(0.5), p10: q(0.1), p90: q(0.9) };
}

/** One table: per variant n, median, p10, p90 and the ratio of medians to the reference. */
export function table(
  title: string,
  timed: Timed[],
  ref: string,
): { lines: string[]; medians: Map<string, number> } {
  const names = [...new Set(timed.map((t) => t.variant))];
  const medians = new Map(names.map((n) => {
    return [n, stats(timed.filter((t) => t.variant === n).map((t) => t.ms)).median];
  }));
  const lines = [
    `| ${title} | n | median | p10 | p90 | ratio to ${ref} |`,
    "| --- | --- | --- | --- | --- | --- |",
  ];
  for (const n of names) {
    const s = stats(timed.filter((t) => t.variant === n).map((t) => t.ms));
    const f = (x: number) => `${x.toFixed(1)} ms`;
    const ratio = (s.median / medians.get(ref)!).toFixed(2);
    lines.push(`| ${n} | ${s.n} | ${f(s.median)} | ${f(s.p10)} | ${f(s.p90)} | ${ratio} |`);
  }
  return { lines, medians };
}
