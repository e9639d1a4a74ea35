/**
 * SIGINT/SIGTERM for the agent (spec/flannel.md §7): the first signal starts a clean
 * shutdown (`shutdownHandler sent cancel signal...`), then the handlers are removed so a
 * second signal gets the default action and ends the process at once.
 *
 * Design notes: a clean shutdown leaves the data plane and the rules in place, so nothing is
 * lost if it cannot finish: a watchdog (unref'd, so it never keeps the process alive) exits
 * with status 0 after {@linkcode SHUTDOWN_GRACE_MS} with a warning, which keeps the promise
 * "exit within 3 s" even if a store client hangs on close. Signal registration, exit and
 * timers are injected for tests.
 */
import type { Logger } from "../log.ts";

/** How long a clean shutdown may take before the watchdog ends the process (status 0). */
export const SHUTDOWN_GRACE_MS = 2500;

export interface SignalDeps {
  logger: Logger;
  signals?: readonly Deno.Signal[];
  addListener?: (s: Deno.Signal, fn: () => void) => void;
  removeListener?: (s: Deno.Signal, fn: () => void) => void;
  exit?: (code: number) => void;
  graceMs?: number;
  /** Starts the watchdog timer (default: an unref'd `setTimeout`); returns its canceller. */
  startTimer?: (fn: () => void, ms: number) => () => void;
}

/** The shutdown signal of one agent run. */
export interface Shutdown {
  /** Aborts at the first SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
  /** Removes the handlers (if still installed) and stops the watchdog. */
  dispose(): void;
}

function unrefTimer(fn: () => void, ms: number): () => void {
  const id = setTimeout(fn, ms);
  Deno.unrefTimer(id);
  return () => clearTimeout(id);
}

/** Installs the handlers (logs `Installing signal handlers`, as upstream). */
export function shutdownOnSignals(d: SignalDeps): Shutdown {
  const signals = d.signals ?? ["SIGINT", "SIGTERM"];
  const add = d.addListener ?? Deno.addSignalListener;
  const remove = d.removeListener ?? Deno.removeSignalListener;
  const ctl = new AbortController();
  let installed = true;
  let stopTimer: (() => void) | null = null;
  const uninstall = () => {
    if (!installed) return;
    installed = false;
    for (const s of signals) remove(s, onSignal);
  };
  function onSignal() {
    d.logger.info("shutdownHandler sent cancel signal...");
    uninstall();
    const grace = d.graceMs ?? SHUTDOWN_GRACE_MS;
    stopTimer = (d.startTimer ?? unrefTimer)(() => {
      d.logger.warn(`Clean shutdown did not finish within ${grace} ms; exiting now`);
      (d.exit ?? Deno.exit)(0);
    }, grace);
    ctl.abort();
  }
  d.logger.info("Installing signal handlers");
  for (const s of signals) add(s, onSignal);
  return {
    signal: ctl.signal,
    dispose: () => {
      uninstall();
      stopTimer?.();
    },
  };
}
