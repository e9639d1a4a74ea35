/**
 * A clock tests move by hand: `sleep` resolves when `advance`/`tick` passes its deadline
 * (or on abort), so periodic loops run without waiting.
 */
import type { Clock } from "../../mod/clock.ts";

interface Sleeper {
  at: number;
  resolve: () => void;
}

export class FakeClock implements Clock {
  #now = 1_000_000;
  #sleepers: Sleeper[] = [];

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const s: Sleeper = { at: this.#now + ms, resolve };
      this.#sleepers.push(s);
      signal?.addEventListener("abort", () => {
        this.#sleepers = this.#sleepers.filter((x) => x !== s);
        resolve();
      }, { once: true });
    });
  }

  /** Moves time forward and wakes due sleepers (without waiting for what they do next). */
  advance(ms: number): void {
    this.#now += ms;
    const due = this.#sleepers.filter((s) => s.at <= this.#now);
    this.#sleepers = this.#sleepers.filter((s) => s.at > this.#now);
    for (const s of due) s.resolve();
  }

  /** Advances, then lets the woken tasks run until they sleep again. */
  async tick(ms: number): Promise<void> {
    this.advance(ms);
    for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 0));
  }

  /** Number of pending sleeps (tests wait for a loop to park). */
  get sleeping(): number {
    return this.#sleepers.length;
  }
}
