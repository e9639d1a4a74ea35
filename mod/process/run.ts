/**
 * The one process runner: runs another program to completion — argv without a shell, optional
 * stdin (text or bytes), environment (`env` over ours, or only `env` with `clearEnv`), working
 * directory and a timeout — and returns its exit code and output. The firewall (nft,
 * iptables), the CNI plugin (delegates, ipMasq), sd_notify, install-cni and the lab harness
 * (`ip netns exec …`) all run commands through it.
 *
 * @example
 * ```ts
 * const r = await runCommand(["nft", "-f", "-"], { stdin: script, timeoutMs: 10_000 });
 * if (r.code !== 0) console.error(r.stderr);
 * const links = await commandOutput(["ip", "-j", "link"]); // non-zero exit: CommandFailedError
 * ```
 *
 * Design notes: a non-zero exit is a result, not an error ({@linkcode runCommand}): callers
 * that word failures their own way (CNI, firewall) read the code and stderr. A program that
 * cannot be started is an error worded as Go's os/exec words it (`exec: "nft": executable
 * file not found in $PATH`, `fork/exec /opt/cni/bin/x: permission denied`), because upstream's
 * messages embed that text. stdin is written while the output is read, so a large payload
 * cannot deadlock, and a child that exits without reading it (EPIPE) is no error: its exit
 * status says what happened. On timeout the child gets SIGKILL (a command that overran is not
 * trusted to honour SIGTERM) — the direct child only, as Deno cannot start a process group.
 */
import { FlannelError } from "../errors.ts";

/** How to run one command. */
export interface RunOptions {
  /** Written to the child's stdin, which is then closed (default: /dev/null). */
  stdin?: string | Uint8Array;
  /** Variables set for the child, over this process's environment unless `clearEnv`. */
  env?: Readonly<Record<string, string>>;
  /** Start from an empty environment: the child sees only `env`. */
  clearEnv?: boolean;
  /** Working directory (default: ours). */
  cwd?: string;
  /** Kill the child (SIGKILL) after this many ms and throw {@linkcode CommandTimeoutError}. */
  timeoutMs?: number;
}

/** Exit code and output of a command that ran. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The shape of {@linkcode runCommand}, for injection. */
export type RunCommand = (argv: readonly string[], opts?: RunOptions) => Promise<CommandResult>;

/** The command line as one string, for messages (`nft -f -`). */
export function commandLine(argv: readonly string[]): string {
  return argv.join(" ");
}

/** The program does not exist (Go: `exec: "x": executable file not found in $PATH`). */
export class CommandNotFoundError extends FlannelError {
  override name = "CommandNotFoundError";
  readonly command: string;
  constructor(command: string, options?: ErrorOptions) {
    super(
      "ECMDNOTFOUND",
      command.includes("/")
        ? `fork/exec ${command}: no such file or directory`
        : `exec: ${JSON.stringify(command)}: executable file not found in $PATH`,
      options,
    );
    this.command = command;
  }
}

/** The program exists but could not be started (permission, busy file, missing cwd). */
export class CommandStartError extends FlannelError {
  override name = "CommandStartError";
  readonly command: string;
  constructor(command: string, reason: string, options?: ErrorOptions) {
    super("ECMDSTART", `fork/exec ${command}: ${reason}`, options);
    this.command = command;
  }
}

/** The command exited non-zero ({@linkcode commandOutput}); `stderr` is trimmed. */
export class CommandFailedError extends FlannelError {
  override name = "CommandFailedError";
  readonly argv: readonly string[];
  readonly exitCode: number;
  readonly stderr: string;
  constructor(argv: readonly string[], exitCode: number, stderr: string) {
    const err = stderr.trim();
    super("ECMDFAILED", failedText(argv, exitCode, err));
    this.argv = argv;
    this.exitCode = exitCode;
    this.stderr = err;
  }
}

/** The command ran longer than `timeoutMs` and was killed. */
export class CommandTimeoutError extends FlannelError {
  override name = "CommandTimeoutError";
  readonly argv: readonly string[];
  readonly timeoutMs: number;
  constructor(argv: readonly string[], timeoutMs: number) {
    super("ECMDTIMEOUT", `Command "${commandLine(argv)}" timed out after ${timeoutMs} ms`);
    this.argv = argv;
    this.timeoutMs = timeoutMs;
  }
}

/** `Command "<argv>" failed (exit <code>): <stderr>` — the wording of a failed command. */
export function failedText(argv: readonly string[], code: number, stderr: string): string {
  return `Command "${commandLine(argv)}" failed (exit ${code}): ${stderr.trim()}`;
}

/**
 * Runs `argv` to completion; never throws for a non-zero exit. Throws
 * {@linkcode CommandNotFoundError}, {@linkcode CommandStartError} or
 * {@linkcode CommandTimeoutError}.
 */
export async function runCommand(
  argv: readonly string[],
  opts: RunOptions = {},
): Promise<CommandResult> {
  const child = await spawn(argv, opts);
  const output = child.output();
  if (opts.stdin !== undefined) void feed(child.stdin, opts.stdin);
  let timedOut = false;
  const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch { /* exited meanwhile */ }
  }, opts.timeoutMs);
  try {
    const out = await output;
    if (timedOut) throw new CommandTimeoutError(argv, opts.timeoutMs!);
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `argv` and returns its stdout; a non-zero exit throws {@linkcode CommandFailedError}. */
export async function commandOutput(argv: readonly string[], opts?: RunOptions): Promise<string> {
  const r = await runCommand(argv, opts);
  if (r.code !== 0) throw new CommandFailedError(argv, r.code, r.stderr);
  return r.stdout;
}

async function spawn(argv: readonly string[], opts: RunOptions): Promise<Deno.ChildProcess> {
  const cmd = argv[0];
  if (cmd === undefined || cmd === "") throw new CommandNotFoundError("");
  try {
    return new Deno.Command(cmd, {
      args: argv.slice(1),
      stdin: opts.stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
      ...(opts.env ? { env: { ...opts.env } } : {}),
      ...(opts.clearEnv ? { clearEnv: true } : {}),
      ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
    }).spawn();
  } catch (err) {
    throw await startError(cmd, opts.cwd, err);
  }
}

/** Go's wording for a failed start; a missing working directory is not a missing program. */
async function startError(cmd: string, cwd: string | undefined, err: unknown): Promise<Error> {
  if (err instanceof Deno.errors.NotFound) {
    const cwdGone = cwd !== undefined && !(await Deno.stat(cwd).then((s) => s.isDirectory, no));
    if (!cwdGone) return new CommandNotFoundError(cmd, { cause: err });
    return new CommandStartError(cmd, `chdir ${cwd}: no such file or directory`, { cause: err });
  }
  if (err instanceof Deno.errors.PermissionDenied) {
    return new CommandStartError(cmd, "permission denied", { cause: err });
  }
  const text = err instanceof Error ? err.message : String(err);
  const reason = text.replace(/^Failed to spawn '[^']*': /, "").replace(/ \(os error \d+\)$/, "");
  return new CommandStartError(cmd, reason.toLowerCase(), { cause: err });
}

const no = () => false;

async function feed(stdin: WritableStream<Uint8Array>, data: string | Uint8Array): Promise<void> {
  const w = stdin.getWriter();
  try {
    await w.write(typeof data === "string" ? new TextEncoder().encode(data) : data);
    await w.close();
  } catch { /* the child exited without reading it all: its status tells */ }
}
