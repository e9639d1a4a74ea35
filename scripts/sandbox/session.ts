/**
 * What the demo and dev scripts share around the sandbox: the root check, caching the npm
 * dependencies before anything runs inside a namespace (no registry there), and Ctrl-C
 * handling that always lets the clean-up finish.
 */
const ROOT = new URL("../../", import.meta.url).pathname;

/** Exits 1 with a clear message unless running as root. */
export function requireRoot(what: string): void {
  if (Deno.uid() === 0) return;
  console.error(
    `${what}: needs root — it builds network namespaces, veths and bridges ` +
      `(nothing outside them is changed). Run it again with sudo, e.g.\n` +
      `  sudo npx -y deno@2.9.6 task ${what}`,
  );
  Deno.exit(1);
}

/** `deno install`: node_modules as the lockfile says, so agents can run `--cached-only`. */
export async function cacheDeps(): Promise<void> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["install", "--quiet"],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`deno install failed: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
}

/**
 * Runs `body` with a signal that aborts on the first SIGINT/SIGTERM; later signals only say
 * that clean-up is under way (the body's `finally` must finish). Errors are printed; returns
 * the exit status (130 after an interruption).
 */
export async function interruptible(
  what: string,
  body: (signal: AbortSignal) => Promise<number>,
): Promise<number> {
  const ctl = new AbortController();
  const onSignal = () => {
    if (ctl.signal.aborted) console.error(`${what}: still cleaning up, one moment`);
    else console.error(`\n${what}: interrupted, cleaning up`);
    ctl.abort();
  };
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  try {
    const code = await body(ctl.signal);
    return ctl.signal.aborted ? 130 : code;
  } catch (err) {
    if (ctl.signal.aborted) return 130;
    console.error(`${what}: failed: ${err instanceof Error ? err.message : err}`);
    return 1;
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, onSignal);
  }
}
