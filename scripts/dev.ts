/**
 * `deno task dev`: the demo's sandbox kept up for development — three hosts with live agent
 * logs (each line prefixed with its host), two pods per host, and the agents restarted
 * whenever a source file changes (after a type check, so a typo keeps the old agents up).
 * Ctrl-C tears everything down.
 *
 * Usage: `deno task dev [--backend vxlan|host-gw] [--store local|etcd]`
 * (`--watch PATH`, repeatable, replaces the watched paths; tests use it).
 */
import { parseArgs } from "node:util";
import { runCommand } from "../mod/process/run.ts";
import { ping } from "./sandbox/measure.ts";
import { formatDuration, matrixSummary } from "./sandbox/report.ts";
import {
  type BackendName,
  Sandbox,
  sandboxChoice,
  STOP_GRACE_MS,
  type StoreName,
} from "./sandbox/sandbox.ts";
import { cacheDeps, ensureSetup, interruptible, requireRoot } from "./sandbox/session.ts";

const ROOT = new URL("..", import.meta.url).pathname;
/** What a change restarts the agents for. */
export const WATCHED = ["mod", "backends", "store", "main.ts", "main_agent.ts"];
/** Quiet time after the last change before restarting (editors write in bursts). */
export const DEBOUNCE_MS = 300;

interface DevArgs {
  backend: BackendName;
  store: StoreName;
  watch: string[];
}

/** PURE: the command line, or the text to print and the status to exit with. */
export function parseDevArgs(argv: string[]): DevArgs | { exit: number; text: string } {
  const usage = "Usage: deno task dev [--backend vxlan|host-gw] [--store local|etcd]";
  let v;
  try {
    v = parseArgs({
      args: argv,
      options: {
        backend: { type: "string", default: "vxlan" },
        store: { type: "string", default: "local" },
        watch: { type: "string", multiple: true },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values;
  } catch (err) {
    return { exit: 2, text: `dev: ${(err as Error).message}\n${usage}` };
  }
  if (v.help) return { exit: 0, text: usage };
  const choice = sandboxChoice(v.backend, v.store);
  if (typeof choice === "string") return { exit: 2, text: `dev: ${choice}\n${usage}` };
  return { ...choice, watch: v.watch ?? WATCHED.map((p) => ROOT + p) };
}

/** PURE: whether a file-system event path is a source change worth a restart. */
export function isSourceChange(path: string): boolean {
  return path.endsWith(".ts") && !path.endsWith("_test.ts") && !path.includes("/.");
}

const say = (line: string) => console.log(`dev: ${line}`);

async function typeCheck(): Promise<string | null> {
  const r = await runCommand([Deno.execPath(), "check", "--quiet", "main.ts"], {
    cwd: ROOT,
    env: { NO_COLOR: "1" },
  });
  return r.code === 0 ? null : r.stderr.trim();
}

async function pingSummary(sb: Sandbox): Promise<string> {
  const pods = sb.pods;
  const results = await Promise.all(
    pods.map((a) => Promise.all(pods.map((b) => (a === b ? null : ping(a.ns, b.ip, 1))))),
  );
  return matrixSummary(pods.map((p) => p.name), results);
}

async function restartAll(sb: Sandbox, changed: string[]): Promise<void> {
  say(`changed: ${changed.map((p) => p.replace(ROOT, "")).join(", ")}`);
  const errors = await typeCheck();
  if (errors !== null) {
    say(`type check failed; the running agents stay up:\n${errors}`);
    return;
  }
  const t0 = performance.now();
  say("restarting the agents");
  await Promise.all([...sb.agents.values()].map((a) => a.stop("SIGTERM", STOP_GRACE_MS)));
  await sb.startAgents();
  say(`agents ready again in ${formatDuration(performance.now() - t0)}; ${await pingSummary(sb)}`);
}

/** Restarts the agents after each burst of source changes until `signal` aborts. */
async function watchLoop(sb: Sandbox, paths: string[], signal: AbortSignal): Promise<void> {
  const watcher = Deno.watchFs(paths, { recursive: true });
  signal.addEventListener("abort", () => watcher.close(), { once: true });
  let pending = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let busy = Promise.resolve();
  const flush = () => {
    const changed = [...pending];
    pending = new Set();
    busy = busy.then(() => signal.aborted ? undefined : restartAll(sb, changed)).catch((err) =>
      say(`restart failed: ${(err as Error).message}`)
    );
  };
  for await (const ev of watcher) {
    const paths = ev.paths.filter(isSourceChange);
    if (ev.kind === "access" || paths.length === 0) continue;
    for (const p of paths) pending.add(p);
    clearTimeout(timer);
    timer = setTimeout(flush, DEBOUNCE_MS);
  }
  clearTimeout(timer);
  await busy;
}

async function run(args: DevArgs, signal: AbortSignal): Promise<number> {
  await cacheDeps();
  const sb = await Sandbox.create({
    backend: args.backend,
    store: args.store,
    onAgentLine: (h, line) => console.log(`[h${h}] ${line}`),
  });
  try {
    say(
      `switch ${sb.cluster.switchNs.name}, hosts ${
        sb.cluster.hosts.map((h) => h.ns.name).join(" ")
      }`,
    );
    await sb.startAgents();
    await sb.addPods();
    for (const p of sb.pods) say(`pod ${p.name} ${p.ip} (namespace ${p.ns.name})`);
    say(`sandbox ready; ${await pingSummary(sb)}`);
    say(`watching ${args.watch.map((p) => p.replace(ROOT, "")).join(", ")}; Ctrl-C to stop`);
    await watchLoop(sb, args.watch, signal);
    return 0;
  } finally {
    await sb.destroy();
    say("cleaned up: agents stopped, namespaces and temporary files removed");
  }
}

if (import.meta.main) {
  const parsed = parseDevArgs(Deno.args);
  if ("exit" in parsed) {
    (parsed.exit === 0 ? console.log : console.error)(parsed.text);
    Deno.exit(parsed.exit);
  }
  requireRoot("dev");
  await ensureSetup("dev");
  const code = await interruptible("dev", (signal) => run(parsed, signal));
  Deno.exit(code === 130 ? 0 : code); // Ctrl-C is how dev ends
}
