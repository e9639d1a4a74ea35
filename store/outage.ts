/**
 * Makes a store outage visible without flooding the log: one warning when the store stops
 * answering (with the endpoint and the error), at most one reminder a minute while it lasts,
 * and one info line with the outage's length when it answers again.
 *
 * Design notes: the store reports every failed call and every watch disconnect
 * ({@linkcode OutageLog.failed}) and every answer ({@linkcode OutageLog.ok}); npm:etcd3 retries
 * its watch stream every ≤ 5 s during an outage, so failures keep coming and the reminder needs
 * no timer of its own. The `-v 1` lines for each disconnect stay where they are.
 */
import type { Logger } from "../mod/log.ts";
import { goDuration } from "../mod/go_duration.ts";

/** At most one "still unreachable" line per this period. */
export const OUTAGE_REPEAT_MS = 60_000;

/** The outage state of one store client. */
export class OutageLog {
  readonly #what: string;
  readonly #where: string;
  readonly #log: Logger;
  readonly #now: () => number;
  #since: number | null = null;
  #said = 0;
  #muted = false;

  /** `what`: `etcd`; `where`: its endpoints, for the lines. */
  constructor(what: string, where: string, log: Logger, now: () => number) {
    this.#what = what;
    this.#where = where;
    this.#log = log;
    this.#now = now;
  }

  /** Whether the store is unreachable now. */
  get down(): boolean {
    return this.#since !== null;
  }

  /** A call failed or a watch lost its stream, with `error` (already shortened). */
  failed(error: string): void {
    if (this.#muted) return;
    const now = this.#now();
    if (this.#since === null) {
      this.#since = this.#said = now;
      this.#log.warn(`${this.#what} is unreachable (${this.#where}): ${error}`);
    } else if (now - this.#said >= OUTAGE_REPEAT_MS) {
      this.#said = now;
      const took = goDuration(now - this.#since);
      this.#log.warn(`${this.#what} is still unreachable after ${took} (${this.#where}): ${error}`);
    }
  }

  /** The store answered. */
  ok(): void {
    if (this.#since === null || this.#muted) return;
    const took = goDuration(this.#now() - this.#since);
    this.#since = null;
    this.#log.info(`${this.#what} is reachable again after ${took} (${this.#where})`);
  }

  /** No more lines (the client is closing: its disconnects are no outage). */
  mute(): void {
    this.#muted = true;
  }
}
