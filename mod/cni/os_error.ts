/**
 * File-system errors in Go's `*PathError` wording (`open /x: no such file or directory`), so
 * messages that upstream builds from them read the same here.
 */

const ERRNO_TEXT: [new (...a: never[]) => Error, string][] = [
  [Deno.errors.NotFound, "no such file or directory"],
  [Deno.errors.PermissionDenied, "permission denied"],
  [Deno.errors.IsADirectory, "is a directory"],
  [Deno.errors.NotADirectory, "not a directory"],
  [Deno.errors.AlreadyExists, "file exists"],
];

/** `<op> <path>: <strerror>` for a Deno file-system error. */
export function goPathError(op: string, path: string, err: unknown): string {
  for (const [cls, text] of ERRNO_TEXT) {
    if (err instanceof cls) return `${op} ${path}: ${text}`;
  }
  const msg = err instanceof Error ? err.message.replace(/ \(os error \d+\).*$/, "") : String(err);
  return `${op} ${path}: ${msg.toLowerCase()}`;
}

/** Reads a text file; errors carry Go's wording (`open`, or `read` for a directory). */
export function readTextGo(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (err) {
    const op = err instanceof Deno.errors.IsADirectory ? "read" : "open";
    throw new Error(goPathError(op, path, err), { cause: err });
  }
}
