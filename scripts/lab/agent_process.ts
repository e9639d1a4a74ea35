/**
 * An agent (`main.ts`) running as a real process inside a network namespace, with its log
 * collected for assertions and failure reports.
 */
import { AGENT_V8_FLAGS } from "../../mod/agent/v8_flags.ts";

/** The repository root (agents run its main.ts). */
export const REPO_ROOT = new URL("../../", import.meta.url).pathname;

const decoder = new TextDecoder();

/** The deno command line of agents (their V8 flags come in `DENO_V8_FLAGS`, as deployed). */
export const AGENT_DENO_FLAGS = ["run", "-A", "--cached-only"];

/** The agent's environment: `env` over the defaults; an empty DENO_V8_FLAGS is left out. */
function agentEnv(env: Record<string, string>): Record<string, string> {
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

  private constructor(child: Deno.ChildProcess, tag: string) {
    this.#child = child;
    this.tag = tag;
    this.#pumps = [this.#pump(child.stdout), this.#pump(child.stderr)];
    this.#done = child.status.then((s) => (this.#status = s));
  }

  /**
   * Runs `deno run -A --cached-only main.ts <args>` via `ip netns exec <ns>`, with the
   * deployed V8 flags ({@linkcode AGENT_V8_FLAGS}) unless `env` sets `DENO_V8_FLAGS` (empty:
   * V8's defaults, as with the launcher).
   */
  static start(
    ns: string,
    args: string[],
    env: Record<string, string>,
    tag: string,
    denoFlags: readonly string[] = AGENT_DENO_FLAGS,
  ): AgentProcess {
    const argv = [Deno.execPath(), ...denoFlags, `${REPO_ROOT}main.ts`, ...args];
    return AgentProcess.spawn(ns, argv, env, tag);
  }

  /**
   * Runs any agent executable (`argv[0]`, e.g. upstream's flanneld) via `ip netns exec <ns>`,
   * with the same environment, log collection and stop/kill as {@linkcode AgentProcess.start}.
   */
  static spawn(
    ns: string,
    argv: readonly string[],
    env: Record<string, string>,
    tag: string,
  ): AgentProcess {
    const child = new Deno.Command("ip", {
      args: ["netns", "exec", ns, ...argv],
      cwd: REPO_ROOT,
      env: agentEnv(env),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    return new AgentProcess(child, tag);
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

  async #pump(stream: ReadableStream<Uint8Array>): Promise<void> {
    let rest = "";
    for await (const chunk of stream) {
      rest += decoder.decode(chunk, { stream: true });
      const parts = rest.split("\n");
      rest = parts.pop()!;
      this.#lines.push(...parts);
    }
    if (rest) this.#lines.push(rest);
  }

  /** All output lines so far. */
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

  /** Waits for the exit; returns the exit code. */
  async wait(): Promise<number> {
    const s = await this.#done;
    await Promise.all(this.#pumps);
    return s.code;
  }

  /** Sends `signal` and waits for the exit code. */
  async stop(signal: Deno.Signal = "SIGTERM"): Promise<number> {
    if (this.running) {
      try {
        this.#child.kill(signal);
      } catch { /* already gone */ }
    }
    return await this.wait();
  }

  /** SIGKILL unless already exited; waits. */
  async kill(): Promise<void> {
    await this.stop("SIGKILL");
  }
}
