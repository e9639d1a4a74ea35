/**
 * What the benchmark scripts share: `--name value` flags, wall-clock milliseconds, sleeping,
 * medians and a process's memory from /proc.
 */

/** The value after `--<name>` in `args`, else `def`. */
export function argOpt(args: readonly string[], name: string, def: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] ?? def : def;
}

/** Wall-clock milliseconds with sub-millisecond resolution (comparable to `ip -ts`). */
export const nowMs = (): number => performance.timeOrigin + performance.now();

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The middle value (the upper one of the two middles for an even count). */
export const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** `VmRSS` and `VmHWM` (peak) of a process, in MiB. */
export function procMemoryMiB(pid: number | "self"): { rss: number; hwm: number } {
  const s = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kib = (k: string) => Number(s.match(new RegExp(`${k}:\\s+(\\d+)`))?.[1] ?? 0);
  return { rss: kib("VmRSS") / 1024, hwm: kib("VmHWM") / 1024 };
}
