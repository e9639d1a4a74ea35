/**
 * Time as a parameter: long-running loops (reconciler, renewal, retries) take a {@linkcode Clock}
 * so tests drive them with a fake one instead of waiting.
 *
 * Design notes: `setTimeout` keeps its delay in a signed 32-bit integer, so a delay above
 * 2^31 − 1 ms (about 24.8 days) — or `Infinity` — fires after 1 ms instead: a loop fed such a
 * period (`--iptables-resync=3000000`, a lease expiring in 2100) would spin. The real clock
 * therefore waits in chunks of at most {@linkcode MAX_TIMER_MS}, counting the time left by the
 * chunks' lengths (a wall-clock jump changes nothing), so no caller can hit the limit.
 */

export interface Clock {
  /** Milliseconds on a monotonic-enough scale (wall clock is fine for our periods). */
  now(): number;
  /**
   * Resolves after `ms` (any length; `Infinity` never), or early (without throwing) when
   * `signal` aborts. A negative or NaN `ms` is 0.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The longest delay one `setTimeout` honours (2^31 − 1 ms); longer ones fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The timer primitives a real clock is made of (`setTimeout`, `clearTimeout`, `Date.now`). */
export interface TimerApi<Id = unknown> {
  set(fn: () => void, ms: number): Id;
  clear(id: Id): void;
  now(): number;
}

/** A {@linkcode Clock} on `timers`, whose sleeps of any length are chains of honoured delays. */
export function timerClock<Id>(timers: TimerApi<Id>): Clock {
  return {
    now: () => timers.now(),
    sleep: (ms, signal) =>
      new Promise<void>((resolve) => {
        if (signal?.aborted) return resolve();
        let left = ms > 0 ? ms : 0;
        let timer: Id;
        const done = () => {
          timers.clear(timer);
          signal?.removeEventListener("abort", done);
          resolve();
        };
        const arm = () => {
          const chunk = Math.min(left, MAX_TIMER_MS);
          left -= chunk;
          timer = timers.set(left > 0 ? arm : done, chunk);
        };
        arm();
        signal?.addEventListener("abort", done, { once: true });
      }),
  };
}

/** The real clock: `Date.now()` and `setTimeout`, cleared on abort (no leaked timers). */
export const systemClock: Clock = timerClock({
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (id) => clearTimeout(id),
  now: () => Date.now(),
});
