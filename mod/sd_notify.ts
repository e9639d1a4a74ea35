/**
 * systemd readiness notification: `READY=1` once the agent runs, `STOPPING=1` on shutdown,
 * sent to `$NOTIFY_SOCKET` (a unix datagram socket; `@name` is an abstract socket).
 *
 * Design notes: Deno can send a unix datagram only with `--unstable-net` or through FFI (and
 * mod/netlink/socket.ts is meant to stay the only FFI file), so this spawns systemd's own
 * `systemd-notify --no-block --pid=<our pid> STATE…` (about 8 ms). Run as root, it sends with
 * our PID in `SCM_CREDENTIALS`, so `NotifyAccess=main` accepts it; `--no-block` skips its
 * barrier round-trip, which needs nothing from us. The unit sets `NotifyAccess=all` as well,
 * for the unprivileged case where the kernel refuses a borrowed PID. Upstream only logs a
 * failed notification; so does the caller of {@linkcode sdNotify}.
 */
import { errorText, FlannelError } from "./errors.ts";
import { runCommand } from "./process/run.ts";

/** The notification could not be delivered. */
export class SdNotifyError extends FlannelError {
  override name = "SdNotifyError";
  constructor(message: string, options?: ErrorOptions) {
    super("ESDNOTIFY", message, options);
  }
}

/** Runs a command with extra environment; returns its exit code and stderr. */
export type Spawn = (
  cmd: string,
  args: string[],
  env: Record<string, string>,
) => Promise<{ code: number; stderr: string }>;

export interface SdNotifyOptions {
  /** Where `NOTIFY_SOCKET` is read (default: the process environment). */
  env?: Readonly<Record<string, string | undefined>>;
  /** The PID systemd should see as sender and main PID (default: ours). */
  pid?: number;
  spawn?: Spawn;
}

const STATE = /^[A-Z_]+=[^\n]*$/;

/** The real spawn: the process runner (a missing binary throws CommandNotFoundError). */
const spawn: Spawn = (cmd, args, env) => runCommand([cmd, ...args], { env });

/**
 * Sends `states` (e.g. `["READY=1"]`) to `$NOTIFY_SOCKET`. Returns false when the variable is
 * unset (not run by systemd); throws {@linkcode SdNotifyError} when sending fails.
 */
export async function sdNotify(states: string[], opts: SdNotifyOptions = {}): Promise<boolean> {
  const env = opts.env ?? Deno.env.toObject();
  const socket = env.NOTIFY_SOCKET;
  if (!socket) return false;
  for (const s of states) {
    if (!STATE.test(s)) throw new SdNotifyError(`Invalid notification "${s}"`);
  }
  const pid = opts.pid ?? Deno.pid;
  const args = ["--no-block", `--pid=${pid}`, ...states];
  let r: { code: number; stderr: string };
  try {
    r = await (opts.spawn ?? spawn)("systemd-notify", args, { NOTIFY_SOCKET: socket });
  } catch (err) {
    throw new SdNotifyError(`Cannot notify systemd at "${socket}": ${errorText(err)}`, {
      cause: err,
    });
  }
  if (r.code !== 0) {
    throw new SdNotifyError(`Cannot notify systemd at "${socket}": ${r.stderr.trim()}`);
  }
  return true;
}

/** `READY=1`: start-up is complete (after the backend runs, spec §1.5 step 18). */
export function notifyReady(opts?: SdNotifyOptions): Promise<boolean> {
  return sdNotify(["READY=1"], opts);
}

/** `STOPPING=1`: a clean shutdown has begun. */
export function notifyStopping(opts?: SdNotifyOptions): Promise<boolean> {
  return sdNotify(["STOPPING=1"], opts);
}
