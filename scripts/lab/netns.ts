/**
 * Throwaway network namespaces for privileged tests, benchmarks and the demo.
 *
 * Safety rules (never bend): every namespace gets a unique name per run (`<prefix>-<pid>-<n>`),
 * callers remove what they made in `finally` ({@linkcode withNetns} does it for them), and
 * nothing here touches the root namespace's links, routes, addresses or firewall.
 */
import { commandOutput, type CommandResult, runCommand } from "../../mod/process/run.ts";

/** Exit code and output of a command (the process runner's result). */
export type ExecResult = CommandResult;

/** True when running as root (privileged tests are ignored otherwise, with that reason). */
export const isRoot: boolean = Deno.uid() === 0;

/** Reason string for `Deno.test({ ignore })` messages. */
export const NOT_ROOT = "needs root to create network namespaces";

let counter = 0;

/** A name no other run or test uses: prefix, pid, counter (kept ≤ 15 chars for veths). */
export function uniqueName(prefix: string): string {
  counter++;
  return `${prefix}${Deno.pid.toString(36)}${counter.toString(36)}`;
}

/**
 * Runs a command and returns its exit code and output; never throws for a non-zero exit
 * (a missing program throws `CommandNotFoundError`). The process runner of mod/process.
 */
export function exec(cmd: string, args: string[], stdin?: string): Promise<ExecResult> {
  return runCommand([cmd, ...args], stdin === undefined ? {} : { stdin });
}

/** Like {@linkcode exec} but returns stdout; a non-zero exit throws `CommandFailedError`. */
export function run(cmd: string, args: string[], stdin?: string): Promise<string> {
  return commandOutput([cmd, ...args], stdin === undefined ? {} : { stdin });
}

/** One network namespace made by this process. */
export class Netns {
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }

  /** Path usable for setns(2) and as `CNI_NETNS`. */
  get path(): string {
    return `/var/run/netns/${this.name}`;
  }

  /** Runs a command inside the namespace. */
  exec(cmd: string, args: string[], stdin?: string): Promise<ExecResult> {
    return exec("ip", ["netns", "exec", this.name, cmd, ...args], stdin);
  }

  /** Runs a command inside the namespace; throws on failure. */
  run(cmd: string, args: string[], stdin?: string): Promise<string> {
    return run("ip", ["netns", "exec", this.name, cmd, ...args], stdin);
  }

  /** `ip -n <ns> <args>`; throws on failure. */
  ip(...args: string[]): Promise<string> {
    return run("ip", ["-n", this.name, ...args]);
  }

  /** `ip -j -n <ns> <args>` parsed as JSON (empty output is `[]`). */
  async ipJson<T = Record<string, unknown>[]>(...args: string[]): Promise<T> {
    const out = await run("ip", ["-j", "-n", this.name, ...args]);
    return JSON.parse(out.trim() === "" ? "[]" : out) as T;
  }

  /** `bridge -j -n <ns> <args>` parsed as JSON. */
  async bridgeJson<T = Record<string, unknown>[]>(...args: string[]): Promise<T> {
    const out = await run("bridge", ["-j", "-n", this.name, ...args]);
    return JSON.parse(out.trim() === "" ? "[]" : out) as T;
  }

  /** Deletes the namespace (and with it every link inside). Missing is fine. */
  async delete(): Promise<void> {
    await exec("ip", ["netns", "del", this.name]);
  }
}

/** Creates a namespace with `lo` up. The caller must `delete()` it in `finally`. */
export async function createNetns(prefix = "t"): Promise<Netns> {
  const ns = new Netns(uniqueName(prefix));
  await run("ip", ["netns", "add", ns.name]);
  await run("ip", ["-n", ns.name, "link", "set", "lo", "up"]);
  return ns;
}

/** Runs `fn` with `count` fresh namespaces and removes them afterwards, also on failure. */
export async function withNetns<T>(
  count: number,
  fn: (...ns: Netns[]) => Promise<T>,
  prefix = "t",
): Promise<T> {
  const made: Netns[] = [];
  try {
    for (let i = 0; i < count; i++) made.push(await createNetns(prefix));
    return await fn(...made);
  } finally {
    for (const ns of made) await ns.delete();
  }
}

/**
 * Joins two namespaces with a veth pair `aName`@a ↔ `bName`@b, both up.
 * Addresses are optional CIDRs (`198.18.0.1/24`).
 */
export async function linkVeth(
  a: Netns,
  aName: string,
  b: Netns,
  bName: string,
  aAddr?: string,
  bAddr?: string,
): Promise<void> {
  await a.ip("link", "add", aName, "type", "veth", "peer", "name", bName, "netns", b.name);
  if (aAddr) await a.ip("addr", "add", aAddr, "dev", aName);
  if (bAddr) await b.ip("addr", "add", bAddr, "dev", bName);
  await a.ip("link", "set", aName, "up");
  await b.ip("link", "set", bName, "up");
}
