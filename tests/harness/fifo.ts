/**
 * FIFOs for tests of readers that must never open one for reading (an open of a FIFO waits
 * for a writer; a synchronous one freezes the whole process). A guard makes such a fault a
 * failed assertion instead of a hung test: after `ms` it opens the FIFO read-write from
 * another process (which never blocks on Linux) and closes it, so a blocked reader wakes up
 * with an empty file — and the test sees that empty text where it expected a refusal.
 */

/** Makes a FIFO at `path` (`mkfifo`). */
export async function makeFifo(path: string): Promise<void> {
  const out = await new Deno.Command("mkfifo", { args: [path], stderr: "piped" }).output();
  if (!out.success) throw new Error(`mkfifo "${path}": ${new TextDecoder().decode(out.stderr)}`);
}

/** Starts the guard of `paths` (see the module doc); the returned function stops it. */
export function unblockAfter(paths: string[], ms: number): () => Promise<void> {
  const script = `sleep ${ms / 1000}; for p in "$@"; do exec 3<>"$p"; exec 3>&-; done`;
  const child = new Deno.Command("sh", {
    args: ["-c", script, "sh", ...paths],
    stdout: "null",
    stderr: "null",
  }).spawn();
  return async () => {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await child.status;
  };
}
