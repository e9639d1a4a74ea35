/**
 * The one agent-process wrapper of tests, demo, dev and benchmarks: an agent (`main.ts`, or
 * upstream's flanneld) running as a real process inside a network namespace, with its output
 * collected line by line for assertions, live printing (dev) and failure reports.
 *
 * Every agent it starts gets the deployed V8 flags ({@linkcode AGENT_V8_FLAGS} as
 * `DENO_V8_FLAGS`, the value scripts/compile.ts's launcher and scripts/deploy/ set), so what
 * tests and benchmarks measure is the agent as deployed; `env.DENO_V8_FLAGS` overrides them
 * (empty: V8's defaults, as with the launcher).
 *
 * @example
 * ```ts
 * const a = AgentProcess.start(ns.name, ["--iface", "eth0", ...flags], { tag: "h1" });
 * try {
 *   await a.waitFor(/Running backend\./);
 * } finally {
 *   await a.stop("SIGTERM", 5000); // SIGKILL if it lingers past 5 s
 * }
 * ```
 */
import { AGENT_V8_FLAGS } from "../../mod/agent/v8_flags.ts";

/** The repository root (agents run its main.ts). */
export const REPO_ROOT = new URL("../../", import.meta.url).pathname;

/** The deno command line of agents (their V8 flags come in `DENO_V8_FLAGS`, as deployed). */
export const AGENT_DENO_FLAGS = ["run", "-A", "--cached-only"];

/** How an agent process is started. */
export interface AgentOptions {
  /** Variables over `NO_COLOR=1` and `DENO_V8_FLAGS`; an empty DENO_V8_FLAGS is left out. */
  env?: Record<string, string>;
  /** Start from an empty environment: the agent sees only the variables above. */
  clearEnv?: boolean;
  /** The prefix of {@linkcode AgentProcess.log} lines (default `agent`). */
  tag?: string;
  /** Each output line (stdout and stderr) as it comes; dev prints them live. */
  onLine?: (line: string) => void;
  /** Keep only the last this many lines (default: all; a long-running dev agent keeps 400). */
  keepLines?: number;
  /** The deno flags before main.ts ({@linkcode AgentProcess.start}; default AGENT_DENO_FLAGS). */
  denoFlags?: readonly string[];
}

/** The agent's environment: `env` over the defaults; an empty DENO_V8_FLAGS is left out. */
export function agentEnv(env: Record<string, string> = {}): Record<string, string> {
  const { DENO_V8_FLAGS: v8 = AGENT_V8_FLAGS, ...rest } = env;
  return { NO_COLOR: "1", ...rest, ...(v8 === "" ? {} : { DENO_V8_FLAGS: v8 }) };
}

export class AgentProcess {
  readonly #child: Deno.ChildProcess;
  readonly #lines: string[] = [];
  readonly #pumps: Promise<void>[];
  readonly tag: string;
  #status: Deno.CommandStatus | null = null;
  readonly #done: Promise<Deno.CommandStatus>;

  private constructor(child: Deno.ChildProcess, opts: AgentOptions) {
    this.#child = child;
    this.tag = opts.tag ?? "agent";
    const keep = opts.keepLines ?? Infinity;
    const line = (l: string) => {
      this.#lines.push(l);
      if (this.#lines.length > keep) this.#lines.shift();
      opts.onLine?.(l);
    };
    this.#pumps = [pump(child.stdout, line), pump(child.stderr, line)];
    this.#done = child.status.then((s) => (this.#status = s));
  }

  /**
   * Runs `deno run -A --cached-only main.ts <args>` via `ip netns exec <ns>`, with the
   * deployed V8 flags unless `opts.env` sets `DENO_V8_FLAGS`.
   */
  static start(ns: string, args: readonly string[], opts: AgentOptions = {}): AgentProcess {
    const flags = opts.denoFlags ?? AGENT_DENO_FLAGS;
    return AgentProcess.spawn(
      ns,
      [Deno.execPath(), ...flags, `${REPO_ROOT}main.ts`, ...args],
      opts,
    );
  }

  /**
   * Runs any agent executable (`argv[0]`, e.g. upstream's flanneld) via `ip netns exec <ns>`,
   * with the same environment, log collection and stop/kill as {@linkcode AgentProcess.start}.
   */
  static spawn(ns: string, argv: readonly string[], opts: AgentOptions = {}): AgentProcess {
    const child = new Deno.Command("ip", {
      args: ["netns", "exec", ns, ...argv],
      cwd: REPO_ROOT,
      env: agentEnv(opts.env),
      ...(opts.clearEnv ? { clearEnv: true } : {}),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    return new AgentProcess(child, opts);
  }

  get pid(): number {
    return this.#child.pid;
  }

  get running(): boolean {
    return this.#status === null;
  }

  /** Exit code once it has exited, else null. */
  get code(): number | null {
    return this.#status?.code ?? null;
  }

  /** The output lines so far (the last `keepLines` of them). */
  lines(): string[] {
    return [...this.#lines];
  }

  log(): string {
    return this.#lines.map((l) => `[${this.tag}] ${l}`).join("\n");
  }

  /** Waits until a line matches `re` (or the process exits, or `timeoutMs`), polling every `pollMs`. */
  async waitFor(re: RegExp, timeoutMs = 20_000, pollMs = 25): Promise<string> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.#lines.find((l) => re.test(l));
      if (hit !== undefined) return hit;
      if (!this.running || Date.now() > end) {
        throw new Error(`[${this.tag}] no line matching ${re} (exit ${this.code})\n${this.log()}`);
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  /** Waits for the exit (and the last output line); returns the exit code. */
  async wait(): Promise<number> {
    const s = await this.#done;
    await Promise.all(this.#pumps);
    return s.code;
  }

  /**
   * Sends `signal` unless already exited, then SIGKILL after `killAfterMs` (default: never);
   * waits for the exit code. Stopping twice is fine.
   */
  async stop(signal: Deno.Signal = "SIGTERM", killAfterMs?: number): Promise<number> {
    if (!this.running) return await this.wait();
    this.#signal(signal);
    const timer = killAfterMs === undefined
      ? undefined
      : setTimeout(() => this.#signal("SIGKILL"), killAfterMs);
    try {
      return await this.wait();
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILL unless already exited; waits. */
  async kill(): Promise<void> {
    await this.stop("SIGKILL");
  }

  #signal(signal: Deno.Signal): void {
    try {
      this.#child.kill(signal);
    } catch { /* already gone */ }
  }
}

async function pump(stream: ReadableStream<Uint8Array>, line: (l: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  let rest = "";
  for await (const chunk of stream) {
    rest += decoder.decode(chunk, { stream: true });
    const parts = rest.split("\n");
    rest = parts.pop()!;
    for (const p of parts) line(p);
  }
  if (rest) line(rest);
}
