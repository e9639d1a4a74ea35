/**
 * "Keep retrying every second and say so": what the agent does while the store is unreachable
 * or the network config is missing or invalid (spec §1.5 step 6), until it works or the agent
 * is stopped.
 */
import type { Clock } from "../clock.ts";
import { errorText } from "../errors.ts";
import type { Logger } from "../log.ts";
import { OutOfSubnetsError } from "../subnet/manager.ts";
import { StoreUnavailableError } from "../subnet/store.ts";

/** Delay between attempts, as upstream. */
export const RETRY_INTERVAL_MS = 1000;

/** Errors that waiting cannot fix: they end the run instead of being retried. */
export function isFatal(err: unknown): boolean {
  return err instanceof OutOfSubnetsError;
}

/**
 * For lease acquisition: only an unreachable store is worth waiting for (the config was
 * already validated); anything else (no free subnet, a config the store cannot serve) ends
 * the run with its message.
 */
export function fatalUnlessUnavailable(err: unknown): boolean {
  return !(err instanceof StoreUnavailableError);
}

/**
 * Calls `fn` until it succeeds (its value) or `signal` aborts (`null`). Each failure is logged
 * as `<what>: <error>`; a fatal error (`fatal`, by default {@linkcode isFatal}) is thrown.
 */
export async function retryForever<T>(
  d: { clock: Clock; logger: Logger },
  signal: AbortSignal,
  what: string,
  fn: () => Promise<T>,
  fatal: (err: unknown) => boolean = isFatal,
): Promise<T | null> {
  while (!signal.aborted) {
    try {
      return await fn();
    } catch (err) {
      if (signal.aborted) break;
      if (fatal(err)) throw err;
      d.logger.error(`${what}: ${errorText(err)} (retrying in 1s)`);
      await d.clock.sleep(RETRY_INTERVAL_MS, signal);
    }
  }
  return null;
}

/** Longest delay of {@linkcode retryWithBackoff}. */
export const MAX_BACKOFF_MS = 30_000;
/** Least time between two lines of {@linkcode retryWithBackoff} about the same error. */
export const BACKOFF_LINE_EVERY_MS = 60_000;

/**
 * After `fn` failed with `err`: calls it again after 1 s, then twice as long each time up to
 * {@linkcode MAX_BACKOFF_MS}, until it works (true) or `signal` aborts (false). Failures are
 * logged as `<what>: <error> (retrying in Ns)`; the same error again at most once a minute.
 */
export async function retryWithBackoff(
  d: { clock: Clock; logger: Logger },
  signal: AbortSignal,
  what: string,
  fn: () => Promise<void>,
  err: unknown,
): Promise<boolean> {
  let delay = RETRY_INTERVAL_MS;
  let said: { text: string; at: number } | null = null;
  for (;;) {
    const text = errorText(err);
    const now = d.clock.now();
    if (said === null || said.text !== text || now - said.at >= BACKOFF_LINE_EVERY_MS) {
      d.logger.warn(`${what}: ${text} (retrying in ${delay / 1000}s)`);
      said = { text, at: now };
    }
    await d.clock.sleep(delay, signal);
    if (signal.aborted) return false;
    delay = Math.min(MAX_BACKOFF_MS, delay * 2);
    try {
      await fn();
      return true;
    } catch (e) {
      if (signal.aborted) return false;
      err = e;
    }
  }
}
