/**
 * PURE text for the demo and dev sandbox: the ping matrix, step lines with durations, the
 * table of hosts and pods. Plain characters (✓ ✗ —) so it reads the same in any terminal and
 * in a log file.
 */
import type { PingResult } from "./measure.ts";

/** `1.2 s` or `340 ms`. */
export function formatDuration(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

/** `✓ <text> (<duration>)`. */
export function stepLine(text: string, ms: number): string {
  return `✓ ${text} (${formatDuration(ms)})`;
}

/** One cell: `✓ 0.08`, `✗`, or `—` on the diagonal. */
function cell(r: PingResult | null): string {
  if (r === null) return "—";
  if (!r.ok) return "✗";
  const rtt = r.rttMs!;
  return `✓ ${rtt < 10 ? rtt.toFixed(2) : rtt.toFixed(1)}`;
}

/**
 * The matrix: `results[i][j]` is the ping from pod `i` to pod `j` (null on the diagonal).
 * Rows are sources, columns destinations; RTTs in ms.
 */
export function pingMatrix(names: readonly string[], results: (PingResult | null)[][]): string {
  const cells = results.map((row) => row.map(cell));
  const width = Math.max(7, ...names.map((n) => n.length), ...cells.flat().map((c) => c.length));
  const first = Math.max(...names.map((n) => n.length));
  const pad = (s: string, w: number) => " ".repeat(Math.max(0, w - [...s].length)) + s;
  const head = " ".repeat(first + 2) + names.map((n) => pad(n, width + 2)).join("");
  const rows = names.map((n, i) =>
    "  " + n.padEnd(first) + cells[i]!.map((c) => pad(c, width + 2)).join("")
  );
  return [head, ...rows].join("\n");
}

/** `30/30 pairs answered` (+ the failing pairs when some did not). */
export function matrixSummary(names: readonly string[], results: (PingResult | null)[][]): string {
  const failed: string[] = [];
  let total = 0;
  results.forEach((row, i) =>
    row.forEach((r, j) => {
      if (r === null) return;
      total++;
      if (!r.ok) failed.push(`${names[i]} → ${names[j]}`);
    })
  );
  const line = `${total - failed.length}/${total} pairs answered`;
  return failed.length === 0 ? line : `${line}; no answer: ${failed.join(", ")}`;
}

/** Left-aligned columns, two spaces apart, each row indented by two spaces. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
  return rows.map((r) =>
    "  " + r.map((c, i) => i === r.length - 1 ? c : c + " ".repeat(widths[i]! - [...c].length))
      .join("  ")
  ).join("\n");
}
