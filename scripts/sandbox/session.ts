/**
 * What the demo and dev scripts share around the sandbox: the root check, the Debian packages
 * (scripts/setup.sh, as `deno task test`), caching the npm dependencies before anything runs
 * inside a namespace (no registry there), and Ctrl-C handling that always lets the clean-up
 * finish.
 */
import { runCommand } from "../../mod/process/run.ts";

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

async function setup(args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  const r = await runCommand(["sh", `${ROOT}scripts/setup.sh`, ...args], { cwd: ROOT });
  return { ok: r.code === 0, stdout: r.stdout, stderr: r.stderr };
}

/** PURE: the one line to print when scripts/setup.sh failed: its last line, as `what`'s. */
export function setupFailureLine(what: string, stderr: string): string {
  const last = stderr.trim().split("\n").at(-1)?.trim() || "scripts/setup.sh failed";
  return `${what}: ${last.replace(/^setup: /, "")}`;
}

/**
 * Installs the Debian packages the sandbox uses, as `deno task test` does (scripts/setup.sh;
 * call after {@linkcode requireRoot}). Says in one line what it installs; when that fails (apt
 * cannot, or a command is still not on PATH) prints one line naming the packages and exits 1,
 * before anything is built.
 */
export async function ensureSetup(what: string): Promise<void> {
  const check = await setup(["--check"]);
  const need = check.stdout.trim();
  if (check.ok && need === "") return;
  console.error(`${what}: installing the Debian packages it needs: ${need}`);
  const r = await setup([]);
  if (r.ok) return;
  console.error(setupFailureLine(what, r.stderr));
  Deno.exit(1);
}

/** `deno install`: node_modules as the lockfile says, so agents can run `--cached-only`. */
export async function cacheDeps(): Promise<void> {
  const r = await runCommand([Deno.execPath(), "install", "--quiet"], { cwd: ROOT });
  if (r.code !== 0) throw new Error(`deno install failed: ${r.stderr.trim()}`);
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
