/**
 * A store that lost its data (etcd restarted with an empty data directory, the local store's
 * directory wiped): how a store tells every watch it serves, once.
 *
 * Design notes: one client of a store has several watches (the agent's lease watch and the
 * renewal's own-lease watch), and each may notice the loss — a watch that resumes sees etcd's
 * revision below the one it had reached; the renewal's periodic look finds our lease gone
 * without a deletion. Each noticer calls {@linkcode StoreResets.announce} with the epoch its
 * view dates from: the first logs the warning and wakes every watch (each hands over a reset
 * snapshot and watches on from the new store's state); a later noticer of the same loss finds
 * the epoch moved on and stays silent, so the operator reads one line per loss.
 */
import type { Logger } from "../log.ts";

/**
 * After a reset snapshot, a full watch hands over a plain snapshot this much later: removals of
 * leases that did not re-register meanwhile wait this long (their routes stay up until then).
 * Agents re-register within seconds of seeing the loss.
 */
export const RESET_GRACE_MS = 30_000;

/** How every loss announcement ends (operators grep it). */
export const DATA_LOST = "the store lost its data; re-creating our lease and resyncing";

/** The resets of one store client; see the module notes. */
export class StoreResets {
  #epoch = 0;
  readonly #listeners = new Set<() => void>();
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  /** Bumped by every announced reset; a watch remembers the epoch its view dates from. */
  get epoch(): number {
    return this.#epoch;
  }

  /**
   * Announces a loss seen by a view dating from epoch `seen` (default: now): logs `reason` as
   * a warning and wakes every listener, unless a reset was announced since `seen`.
   */
  announce(reason: string, seen: number = this.#epoch): void {
    if (seen !== this.#epoch) return;
    this.#epoch++;
    this.#log.warn(reason);
    for (const wake of [...this.#listeners]) wake();
  }

  /** Calls `wake` on every announcement until the returned function is called. */
  listen(wake: () => void): () => void {
    this.#listeners.add(wake);
    return () => this.#listeners.delete(wake);
  }
}
