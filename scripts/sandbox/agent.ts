/**
 * One sandbox agent: `main.ts` as a real process in a host namespace (`ip netns exec`), its
 * output handed line by line to a callback (dev prints them live) and kept for failure
 * reports. Stopped with SIGTERM (a clean exit leaves the data plane), killed if it lingers.
 */
const ROOT = new URL("../../", import.meta.url).pathname;

export class SandboxAgent {
  readonly #child: Deno.ChildProcess;
  readonly #lines: string[] = [];
  readonly #pumps: Promise<void>[];
  #exit: number | null = null;
  readonly #status: Promise<number>;

  private constructor(child: Deno.ChildProcess, onLine: (line: string) => void) {
    this.#child = child;
    const keep = (line: string) => {
      this.#lines.push(line);
      if (this.#lines.length > 400) this.#lines.shift();
      onLine(line);
    };
    this.#pumps = [pump(child.stdout, keep), pump(child.stderr, keep)];
    this.#status = child.status.then((s) => (this.#exit = s.code));
  }

  /** Starts `deno run -A --cached-only main.ts <args>` inside namespace `ns`. */
  static start(ns: string, args: string[], onLine: (line: string) => void = () => {}) {
    const child = new Deno.Command("ip", {
      args: [
        "netns",
        "exec",
        ns,
        Deno.execPath(),
        "run",
        "-A",
        "--cached-only",
        "main.ts",
        ...args,
      ],
      cwd: ROOT,
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    return new SandboxAgent(child, onLine);
  }

  get pid(): number {
    return this.#child.pid;
  }

  /** Exit code once exited, else null. */
  get exitCode(): number | null {
    return this.#exit;
  }

  /** The last lines of output. */
  lines(): string[] {
    return [...this.#lines];
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  async stop(graceMs = 5000): Promise<number> {
    if (this.#exit === null) {
      signal(this.#child, "SIGTERM");
      const timer = setTimeout(() => signal(this.#child, "SIGKILL"), graceMs);
      try {
        await this.#status;
      } finally {
        clearTimeout(timer);
      }
    }
    await Promise.all(this.#pumps);
    return this.#exit!;
  }
}

function signal(child: Deno.ChildProcess, s: Deno.Signal): void {
  try {
    child.kill(s);
  } catch { /* already gone */ }
}

async function pump(stream: ReadableStream<Uint8Array>, line: (l: string) => void): Promise<void> {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    rest += chunk;
    const parts = rest.split("\n");
    rest = parts.pop()!;
    for (const p of parts) line(p);
  }
  if (rest) line(rest);
}
