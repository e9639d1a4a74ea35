/**
 * The agent's command-line front: flags and `FLANNELD_*` → {@linkcode Options}, or an exit
 * status after `--help`, `--version` or a bad flag.
 *
 * Design notes: exit statuses are 0 for `--help` (usage on stdout) and `--version` (on
 * stderr, as upstream, so scripts that read it there keep working), 2 for any flag or
 * environment error (upstream exits 0 after printing usage, which hides typos from
 * supervisors). Output goes through injected writers so tests read it exactly.
 */
import { type Env, FlagError, type Options, parseFlags } from "../config/flags.ts";
import { flagsConfigLine, usageText } from "../config/flags_text.ts";
import { createLogger } from "../log.ts";
import { VERSION } from "../version.ts";

/** The program name used in messages and usage. */
export const PROGRAM = "flanneld";

/** Exit status for a bad command line or environment value. */
export const EXIT_USAGE = 2;

export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** Either the options to run the agent with, or the status to exit with now. */
export type CliOutcome = { options: Options } | { exit: number };

/**
 * Parses the agent's command line and handles `--help`, `--version` and errors.
 *
 * @example
 * ```ts
 * const r = agentCommandLine(Deno.args, Deno.env.toObject(), io);
 * if ("exit" in r) Deno.exit(r.exit);
 * ```
 */
export function agentCommandLine(argv: readonly string[], env: Env, io: CliIO): CliOutcome {
  let options: Options;
  try {
    options = parseFlags(argv, env);
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    io.stderr(`${PROGRAM}: ${err.message}\n`);
    io.stderr(`Run "${PROGRAM} --help" for the list of flags\n`);
    return { exit: EXIT_USAGE };
  }
  if (options.help) {
    io.stdout(usageText(PROGRAM) + "\n");
    return { exit: 0 };
  }
  if (options.version) {
    io.stderr(VERSION + "\n");
    return { exit: 0 };
  }
  return { options };
}

/**
 * Stand-in for the agent until it exists: logs the redacted `CLI flags config` line as the
 * agent will, says plainly that the agent is missing, and returns exit status 1.
 */
export function agentNotImplemented(options: Options, io: CliIO): number {
  const log = createLogger({ verbosity: options.verbosity, write: io.stderr });
  log.info(flagsConfigLine(options));
  io.stderr(`${PROGRAM}: the agent is not implemented yet (flags and environment parsed fine)\n`);
  return 1;
}
