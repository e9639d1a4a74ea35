/**
 * Time as a parameter: long-running loops (reconciler, renewal, retries) take a {@linkcode Clock}
 * so tests drive them with a fake one instead of waiting.
 */

export interface Clock {
  /** Milliseconds on a monotonic-enough scale (wall clock is fine for our periods). */
  now(): number;
  /** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock: `Date.now()` and `setTimeout`, cleared on abort (no leaked timers). */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener("abort", done, { once: true });
    }),
};
