/**
 * CNI errors: the spec's `{code, msg, details}` object as a typed error.
 *
 * Design notes: the Go `skel` library prints a CNI error found anywhere in the wrapped chain
 * unchanged (so a delegate's error passes straight through) and turns any other error into
 * code 999 with the error's text. {@linkcode toCniError} does the same over `cause` chains.
 */
import { FlannelError } from "../errors.ts";

/** Well-known CNI error codes (spec "Error codes"; 8 and 999 are the Go library's). */
export const CniCode = {
  INCOMPATIBLE_VERSION: 1,
  UNSUPPORTED_FIELD: 2,
  UNKNOWN_CONTAINER: 3,
  INVALID_ENV: 4,
  IO_FAILURE: 5,
  DECODING_FAILURE: 6,
  INVALID_NETWORK_CONFIG: 7,
  INVALID_NETNS: 8,
  TRY_AGAIN_LATER: 11,
  NOT_AVAILABLE: 50,
  LIMITED_CONNECTIVITY: 51,
  INTERNAL: 999,
} as const;

/** An error with a CNI code, printed on stdout as `{"code", "msg", "details"}`. */
export class CniError extends FlannelError {
  override name = "CniError";
  readonly cniCode: number;
  readonly details: string;
  constructor(cniCode: number, msg: string, details = "", options?: ErrorOptions) {
    super("ECNI", msg, options);
    this.cniCode = cniCode;
    this.details = details;
  }
}

/** The CNI error to print for any thrown value: the first CniError in the cause chain, else 999. */
export function toCniError(err: unknown): CniError {
  return findCause(err, (e): e is CniError => e instanceof CniError) ??
    new CniError(CniCode.INTERNAL, err instanceof Error ? err.message : String(err));
}

/** How many `cause` links are followed (a cycle or a runaway chain stops there). */
const CAUSE_DEPTH = 16;

/** The first error of `err`'s `cause` chain (`err` included) that `is` accepts, or null. */
export function findCause<T extends Error>(err: unknown, is: (e: Error) => e is T): T | null {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < CAUSE_DEPTH; depth++) {
    if (is(e)) return e;
    e = e.cause;
  }
  return null;
}

/** The error object as the Go library prints it: no `cniVersion`, `details` only when set. */
export function errorObject(e: CniError): Record<string, unknown> {
  const out: Record<string, unknown> = { code: e.cniCode, msg: e.message };
  if (e.details !== "") out.details = e.details;
  return out;
}
