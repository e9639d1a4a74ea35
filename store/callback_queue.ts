/** A queue from event-emitter callbacks to an async loop (the etcd watch's responses). */

/** A queue from event-emitter callbacks to an async loop; `take` returns null on abort. */
export class CallbackQueue<T> {
  #items: T[] = [];
  #wake: (() => void) | null = null;

  push(item: T): void {
    this.#items.push(item);
    this.#wake?.();
  }

  async take(signal: AbortSignal): Promise<T | null> {
    while (this.#items.length === 0) {
      if (signal.aborted) return null;
      await new Promise<void>((resolve) => {
        const done = () => {
          this.#wake = null;
          signal.removeEventListener("abort", done);
          resolve();
        };
        this.#wake = done;
        signal.addEventListener("abort", done, { once: true });
      });
    }
    return signal.aborted ? null : this.#items.shift()!;
  }
}
