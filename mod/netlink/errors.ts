/**
 * Netlink's two error kinds: the kernel (or a socket call) refused an operation —
 * {@linkcode NetlinkError}, carrying the errno name and the iproute2 command it was — and bytes
 * that do not parse — {@linkcode NetlinkDecodeError}, carrying the byte offset. Pure.
 */
import { FlannelError } from "../errors.ts";
import { errnoName } from "./codec/errno.ts";

/**
 * The kernel answered an operation with an errno (or a socket call failed).
 * `code` and `errno` are the errno name (`"EEXIST"`), `op` the iproute2 command it equals.
 *
 * @example
 * ```ts
 * try { nl.link.add(spec); } catch (e) {
 *   if (e instanceof NetlinkError && e.errno === "EEXIST") { … }
 * }
 * ```
 */
export class NetlinkError extends FlannelError {
  override name = "NetlinkError";
  /** Errno name, e.g. `"ENOENT"`. */
  readonly errno: string;
  /** Positive errno number, e.g. `2`. */
  readonly errnoNumber: number;
  /** The operation, as the iproute2 command it equals (`ip link add vx0 type vxlan …`). */
  readonly op: string;
  /** The kernel's extended-ACK text (NLMSGERR_ATTR_MSG), when it sent one. */
  readonly extAck: string | undefined;

  constructor(errno: number, op: string, extAck?: string, options?: ErrorOptions) {
    const name = errnoName(errno);
    super(name, `"${op}" failed: ${name}${extAck ? `: ${extAck}` : ""}`, options);
    this.errno = name;
    this.errnoNumber = Math.abs(errno);
    this.op = op;
    this.extAck = extAck;
  }
}

/** Bytes that are not a valid netlink message: a bad length, a truncated header or attribute. */
export class NetlinkDecodeError extends FlannelError {
  override name = "NetlinkDecodeError";
  /** Byte offset of the problem, from the start of the buffer handed to the decoder. */
  readonly offset: number;

  constructor(message: string, offset: number) {
    super("ENLDECODE", `${message} at byte ${offset}`);
    this.offset = offset;
  }
}

/** True when `err` is a {@linkcode NetlinkError} with one of the errno names given. */
export function isErrno(err: unknown, ...names: string[]): err is NetlinkError {
  return err instanceof NetlinkError && names.includes(err.errno);
}

/** True when the kernel said the object is not there (ENOENT, ESRCH, ENODEV, EADDRNOTAVAIL). */
export function isNotFound(err: unknown): err is NetlinkError {
  return isErrno(err, "ENOENT", "ESRCH", "ENODEV", "EADDRNOTAVAIL");
}
