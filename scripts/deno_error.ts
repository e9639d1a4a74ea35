/**
 * A one-line summary of a failed deno command's stderr, for build scripts' messages.
 *
 * Design notes: deno prints `error: <what>`, then `Caused by:` with numbered causes, then a
 * backtrace. The `error:` line alone often hides the reason (`deno compile` offline says only
 * "Writing deno compile executable to temporary file …"; the missing denort download is in
 * the causes), so the causes are kept — minus those that only repeat part of a longer one
 * (each cause usually embeds the ones below it) — and the backtrace is dropped.
 */

/** `error: <what> (caused by: <cause>; <cause>)`, or the first line when there is no `error:`. */
export function denoErrorSummary(stderr: string): string {
  const lines = stderr.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  const at = lines.findIndex((l) => l.startsWith("error:"));
  if (at < 0) return lines[0] ?? "no output";
  const causes: string[] = [];
  for (const line of lines.slice(at + 1)) {
    if (line.startsWith("Stack backtrace")) break;
    const cause = line.match(/^\d+:\s*(.+?)\.?$/)?.[1];
    if (cause !== undefined && !causes.some((c) => c.includes(cause))) causes.push(cause);
  }
  return causes.length === 0 ? lines[at]! : `${lines[at]} (caused by: ${causes.join("; ")})`;
}
