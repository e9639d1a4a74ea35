/**
 * Reading a file that must be a regular one, without ever blocking: what the local store
 * does with every lease, expiry and config file, all in a directory others may write to.
 *
 * Design notes: opening a FIFO for reading waits for a writer, and a synchronous read (the
 * local store's scans are synchronous) would freeze the whole process — health server and
 * signal handlers included; opening a device can have effects of its own (a link to
 * `/dev/watchdog` arms it). So the path is `stat`ed first (symbolic links followed: a link to
 * a regular file reads as that file) and opened only when it is a regular file — nothing else
 * is ever opened. Against a swap between the two calls, the open uses `O_NONBLOCK` (a FIFO
 * opens at once; `O_NOCTTY` so a terminal never becomes ours) and the open descriptor is
 * checked again with `fstat`: what is read is what was checked. `Deno.open` has no
 * `O_NONBLOCK`; node:fs has.
 */
import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readFileSync,
  type Stats,
  statSync,
} from "node:fs";
import { FlannelError } from "./errors.ts";

/** The path holds something other than a regular file (a FIFO, a directory, a socket, …). */
export class NotRegularFileError extends FlannelError {
  override name = "NotRegularFileError";
  /** What is there instead, with its article: `a FIFO`, `a directory`. */
  readonly what: string;
  constructor(path: string, what: string) {
    super("ENOTREG", `"${path}" is ${what}, not a regular file`);
    this.what = what;
  }
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a FIFO";
  if (st.isSocket()) return "a socket";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  return "a special file";
}

const codeOf = (err: unknown) => (err as { code?: unknown } | null)?.code;

/** Node's errors as ours: absent → `Deno.errors.NotFound`, what cannot be opened → refused. */
function translated(path: string, err: unknown): unknown {
  const code = codeOf(err);
  if (code === "ENOENT") return new Deno.errors.NotFound(`No file "${path}"`, { cause: err });
  if (code === "ENXIO") return new NotRegularFileError(path, "a socket");
  if (code === "ELOOP") return new NotRegularFileError(path, "a symbolic link loop");
  return err;
}

/** Throws unless `st` is a regular file. */
function checkRegular(path: string, st: Stats): void {
  if (!st.isFile()) throw new NotRegularFileError(path, kindOf(st));
}

function openRegular(path: string): number {
  try {
    checkRegular(path, statSync(path));
    return openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    throw translated(path, err);
  }
}

/**
 * The UTF-8 text of the regular file at `path` (symbolic links followed). Never opens
 * anything else, so never blocks on a FIFO or device. Throws `Deno.errors.NotFound` when
 * nothing is there (a dangling link too), {@linkcode NotRegularFileError} for anything but a
 * regular file, and other I/O errors as is.
 *
 * @example
 * ```ts
 * const text = readRegularFileSync("/var/lib/flannel/leases/subnets/10.5.1.0-24");
 * ```
 */
export function readRegularFileSync(path: string): string {
  const fd = openRegular(path);
  try {
    checkRegular(path, fstatSync(fd)); // swapped since the stat
    return readFileSync(fd, "utf8");
  } finally {
    closeSync(fd);
  }
}
