/**
 * How the firewall executor runs `nft`, `iptables`, `iptables-restore`: an injected
 * {@linkcode CommandRunner}, so plans and payloads are tested with a recording fake and the
 * live tests run the same code inside a network namespace (`ip netns exec <ns> …` prefix).
 */
import { FlannelError } from "../errors.ts";

/** Exit code and output of one command. A missing executable is code 127. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `cmd args…` with optional text on stdin; never throws for a non-zero exit. */
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

/** The real runner: spawns the command (through `prefix` when given). */
export function createRunner(opts: RunnerOptions = {}): CommandRunner {
  const prefix = opts.prefix ?? [];
  return async (cmd, args, stdin) => {
    const argv = [...prefix, cmd, ...args];
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(argv[0]!, {
        args: argv.slice(1),
        stdin: stdin === undefined ? "null" : "piped",
        stdout: "piped",
        stderr: "piped",
        ...(opts.env ? { env: opts.env } : {}),
      }).spawn();
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) {
        return { code: 127, stdout: "", stderr: `executable file not found: "${argv[0]}"` };
      }
      throw err;
    }
    if (stdin !== undefined) {
      const w = child.stdin.getWriter();
      await w.write(new TextEncoder().encode(stdin));
      await w.close();
    }
    const out = await child.output();
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
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
    const what = [cmd, ...args].join(" ");
    throw new FirewallError(`Command "${what}" failed (exit ${r.code}): ${r.stderr.trim()}`);
  }
  return r.stdout;
}
