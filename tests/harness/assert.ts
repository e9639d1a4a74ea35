/**
 * The assertions the tests use, on top of `node:assert/strict` (deno std is on JSR, which is
 * unreachable here). Same names and argument order as std's `@std/assert` so tests read alike.
 */
import nodeAssert from "node:assert/strict";

export function assert(cond: unknown, msg?: string): asserts cond {
  nodeAssert.ok(cond, msg as string); // npm @types/node (etcd3) refuses `undefined` here
}

export function assertEquals<T>(actual: T, expected: T, msg?: string): void {
  nodeAssert.deepStrictEqual(actual, expected, msg as string);
}

export function assertNotEquals<T>(actual: T, expected: T, msg?: string): void {
  nodeAssert.notDeepStrictEqual(actual, expected, msg as string);
}

export function assertMatch(actual: string, re: RegExp, msg?: string): void {
  nodeAssert.match(actual, re, msg as string);
}

export function assertStringIncludes(actual: string, part: string, msg?: string): void {
  if (!actual.includes(part)) {
    nodeAssert.fail(msg ?? `Expected ${JSON.stringify(actual)} to include ${JSON.stringify(part)}`);
  }
}

// deno-lint-ignore no-explicit-any
type ErrorClass<E extends Error> = abstract new (...args: any[]) => E;

function checkError<E extends Error>(
  err: unknown,
  cls: ErrorClass<E> | undefined,
  includes: string | undefined,
): E {
  if (cls && !(err instanceof cls)) {
    nodeAssert.fail(
      `Expected ${cls.name}, got ${err instanceof Error ? err.name : typeof err}: ${err}`,
    );
  }
  if (includes !== undefined && !String((err as Error)?.message).includes(includes)) {
    nodeAssert.fail(
      `Expected message to include ${JSON.stringify(includes)}: ${(err as Error)?.message}`,
    );
  }
  return err as E;
}

/** Asserts that `fn` throws (an instance of `cls`, whose message includes `includes`). */
export function assertThrows<E extends Error = Error>(
  fn: () => unknown,
  cls?: ErrorClass<E>,
  includes?: string,
): E {
  try {
    fn();
  } catch (err) {
    return checkError(err, cls, includes);
  }
  return nodeAssert.fail("Expected function to throw");
}

/** Asserts that `fn` rejects (with an instance of `cls`, whose message includes `includes`). */
export async function assertRejects<E extends Error = Error>(
  fn: () => Promise<unknown>,
  cls?: ErrorClass<E>,
  includes?: string,
): Promise<E> {
  try {
    await fn();
  } catch (err) {
    return checkError(err, cls, includes);
  }
  return nodeAssert.fail("Expected promise to reject");
}
