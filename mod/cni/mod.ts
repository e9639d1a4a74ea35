/**
 * CNI plugin mode: the real process world (env, stdin, stdout, stderr) around the flannel
 * plugin. main.ts loads this module with `await import()` only when a runtime calls us, and
 * this module loads the in-process bridge (netlink FFI) only when a delegate needs it — so
 * VERSION, STATUS and an exec'd delegate never open libmnl, and nothing here pulls in the
 * etcd or Kubernetes clients.
 */
import { VERSION } from "../version.ts";
import { DelegateRunner } from "./delegate.ts";
import { flannelPlugin } from "./flannel/plugin.ts";
import { type CniIO, runCni } from "./skel.ts";

const GOARCH: Record<string, string> = { x86_64: "amd64", aarch64: "arm64" };

/** The "about" line printed when `CNI_COMMAND` is empty. */
export function aboutText(commit = "unknown"): string {
  const arch = GOARCH[Deno.build.arch] ?? Deno.build.arch;
  return `CNI Plugin flannel version ${VERSION} (linux/${arch}) commit ${commit}`;
}

// Synchronous stdio: a CNI call has nothing to overlap, and the streams machinery behind
// `Deno.stdin.readable` cost ~7 ms to warm up in a fresh process (measured).
function writeAll(file: { writeSync(p: Uint8Array): number }) {
  return (text: string) => {
    const bytes = new TextEncoder().encode(text);
    for (let off = 0; off < bytes.length;) off += file.writeSync(bytes.subarray(off));
    return Promise.resolve();
  };
}

function readAll(file: { readSync(p: Uint8Array): number | null }): Uint8Array {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const buf = new Uint8Array(65536);
    const n = file.readSync(buf);
    if (n === null) break;
    chunks.push(buf.subarray(0, n));
    size += n;
  }
  const out = new Uint8Array(size);
  chunks.reduce((off, c) => (out.set(c, off), off + c.length), 0);
  return out;
}

/** True when `path` is the network namespace this process runs in. */
export function isOwnNetns(path: string): boolean {
  try {
    const self = Deno.statSync("/proc/self/ns/net"), other = Deno.statSync(path);
    return self.dev === other.dev && self.ino === other.ino;
  } catch {
    return false;
  }
}

/**
 * A tracer printing `flannel-cni-trace <label> <ms since the epoch>` lines, first an `origin`
 * line with the runtime's time origin, so a caller that noted when it spawned us can split
 * the call into process start, module load and each phase (scripts/bench/cni.ts).
 */
export function lineTracer(
  write: (text: string) => void,
  clock: { timeOrigin: number; now(): number } = performance,
): (label: string) => void {
  const line = (label: string, ms: number) =>
    write(`flannel-cni-trace ${label} ${ms.toFixed(3)}\n`);
  line("origin", clock.timeOrigin);
  return (label) => line(label, clock.timeOrigin + clock.now());
}

/** The process's IO for a CNI call (traced to stderr when `FLANNEL_CNI_TRACE` is set). */
export function processIO(): CniIO {
  const env = Deno.env.toObject();
  const writeStderr = writeAll(Deno.stderr);
  return {
    env,
    readStdin: () => Promise.resolve().then(() => readAll(Deno.stdin)),
    writeStdout: writeAll(Deno.stdout),
    writeStderr,
    isOwnNetns,
    ...(env.FLANNEL_CNI_TRACE ? { trace: lineTracer((t) => void writeStderr(t)) } : {}),
  };
}

/** Runs one CNI call of the flannel plugin; returns the exit status. */
export async function runCniMode(io: CniIO = processIO()): Promise<number> {
  io.trace?.("start");
  const runner = new DelegateRunner(async (type) => {
    if (type !== "bridge") return null;
    io.trace?.("delegate");
    const { bridgeDelegate, realWorld } = await import("./bridge/mod.ts");
    return bridgeDelegate(io.trace ? { ...realWorld(), trace: io.trace } : realWorld());
  }, io);
  const code = await runCni(flannelPlugin(aboutText(), runner), io);
  io.trace?.("end");
  return code;
}
