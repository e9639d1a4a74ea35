/**
 * Undoing a failed ADD: an ADD records each thing it made with the step that removes it,
 * and on failure runs the steps newest first. When every step worked, the original error is
 * rethrown and nothing of the ADD is left; when one failed, {@linkcode AddLeftoversError}
 * says what may be left, so the caller keeps the state a later DEL needs.
 */
import { errorText, FlannelError } from "../errors.ts";
import { findCause } from "./errors.ts";

/** A failed ADD that could not undo everything it made; `cause` is the ADD's own error. */
export class AddLeftoversError extends FlannelError {
  override name = "AddLeftoversError";
  constructor(cause: unknown, failures: string[]) {
    super(
      "ECNILEFTOVERS",
      `${errorText(cause)} (undoing the failed ADD failed too: ${failures.join("; ")})`,
      { cause },
    );
  }
}

/** True when `err` or an error it wraps is an {@linkcode AddLeftoversError}. */
export function hasLeftovers(err: unknown): boolean {
  return findCause(err, (e): e is AddLeftoversError => e instanceof AddLeftoversError) !== null;
}

/** The undo steps of one ADD. */
export class Undo {
  readonly #steps: { what: string; run: () => unknown }[] = [];

  /** Records how to remove something just made (`what` names it in the error text). */
  push(what: string, run: () => unknown): void {
    this.#steps.push({ what, run });
  }

  /** Runs every step, newest first, then throws `err` — or the leftovers when a step failed. */
  async fail(err: unknown): Promise<never> {
    const failures: string[] = [];
    for (const step of this.#steps.reverse()) {
      try {
        await step.run();
      } catch (e) {
        failures.push(`${step.what}: ${errorText(e)}`);
      }
    }
    this.#steps.length = 0;
    throw failures.length === 0 ? err : new AddLeftoversError(err, failures);
  }
}
