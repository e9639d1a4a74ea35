/**
 * How the firewall executor runs `nft`, `iptables`, `iptables-restore`: an injected
 * {@linkcode CommandRunner}, so plans and payloads are tested with a recording fake and the
 * live tests run the same code inside a network namespace (`ip netns exec <ns> …` prefix).
 */
import { FlannelError } from "../errors.ts";
import {
  CommandNotFoundError,
  type CommandResult,
  failedText,
  runCommand,
} from "../process/run.ts";

export type { CommandResult } from "../process/run.ts";

/**
 * Runs `cmd args…` with optional text on stdin; never throws for a non-zero exit. A missing
 * executable is code 127 with Go's text on stderr (`exec: "nft": executable file not found
 * in $PATH`, what upstream's "no nftables support: …" carries).
 */
export type CommandRunner = (
  cmd: string,
  args: readonly string[],
  stdin?: string,
) => Promise<CommandResult>;

/** A firewall command failed, or the kernel/tools cannot do what flannel needs. */
export class FirewallError extends FlannelError {
  override name = "FirewallError";
  constructor(message: string, options?: ErrorOptions) {
    super("EFIREWALL", message, options);
  }
}

export interface RunnerOptions {
  /** Words put before every command, e.g. `["ip", "netns", "exec", "ns1"]`. */
  prefix?: readonly string[];
  /** Extra environment for the commands. */
  env?: Record<string, string>;
}

/** The real runner: the process runner (mod/process) through `prefix` when given. */
export function createRunner(opts: RunnerOptions = {}): CommandRunner {
  const prefix = opts.prefix ?? [];
  return async (cmd, args, stdin) => {
    try {
      return await runCommand([...prefix, cmd, ...args], {
        ...(stdin === undefined ? {} : { stdin }),
        ...(opts.env ? { env: opts.env } : {}),
      });
    } catch (err) {
      if (err instanceof CommandNotFoundError) {
        return { code: 127, stdout: "", stderr: err.message };
      }
      throw err;
    }
  };
}

/** A runner that runs every command inside network namespace `name` (tests, the demo). */
export function netnsRunner(name: string): CommandRunner {
  return createRunner({ prefix: ["ip", "netns", "exec", name] });
}

/** Runs a command and returns stdout; throws {@linkcode FirewallError} on a non-zero exit. */
export async function runChecked(
  run: CommandRunner,
  cmd: string,
  args: readonly string[],
  stdin?: string,
): Promise<string> {
  const r = await run(cmd, args, stdin);
  if (r.code !== 0) {
    throw new FirewallError(failedText([cmd, ...args], r.code, r.stderr));
  }
  return r.stdout;
}
