/**
 * Starts consuming an async iterable now and replays what arrived once someone iterates.
 * The agent opens its lease watch while it acquires its own lease, so the first snapshot
 * (thousands of leases on a big cluster) is read concurrently instead of after.
 */

/** An async iterable that is already being pumped; iterate it once. */
export class Prefetch<T> implements AsyncIterable<T> {
  readonly #buf: T[] = [];
  #done = false;
  #failed = false;
  #error: unknown = null;
  #wake: (() => void) | null = null;

  constructor(source: AsyncIterable<T>) {
    this.#pump(source);
  }

  async #pump(source: AsyncIterable<T>): Promise<void> {
    try {
      for await (const x of source) {
        this.#buf.push(x);
        this.#wake?.();
      }
    } catch (err) {
      this.#failed = true;
      this.#error = err;
    } finally {
      this.#done = true;
      this.#wake?.();
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const next = this.#buf.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (this.#failed) throw this.#error;
      if (this.#done) return;
      await new Promise<void>((r) => (this.#wake = r));
      this.#wake = null;
    }
  }
}
