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
