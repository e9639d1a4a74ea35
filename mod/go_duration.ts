/** Go's `time.Duration` text, which flannel's log lines print (`Waiting for 22h59m59.5s …`). */

/** Go's `time.Duration` text at millisecond precision: `22h59m59.5s`, `1m0s`, `250ms`. */
export function goDuration(ms: number): string {
  const sign = ms < 0 ? "-" : "";
  let u = Math.round(Math.abs(ms));
  if (u === 0) return "0s";
  if (u < 1000) return `${sign}${u}ms`;
  const h = Math.floor(u / 3_600_000);
  u -= h * 3_600_000;
  const m = Math.floor(u / 60_000);
  u -= m * 60_000;
  const s = (u / 1000).toFixed(3).replace(/\.?0+$/, "");
  return `${sign}${h > 0 ? `${h}h` : ""}${h > 0 || m > 0 ? `${m}m` : ""}${s}s`;
}
