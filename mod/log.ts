/**
 * The one logger: klog-style lines on stderr, because flannel users grep and parse these
 * (`I1129 21:38:51.123456    5522 vxlan] VXLAN config: VNI=1 ...`).
 *
 * Design notes: the header is klog's (`Lmmdd hh:mm:ss.uuuuuu pid file]`) with the component
 * name where Go prints `file:line`. Verbose lines (`-v N`) are dropped before formatting.
 * The writer, clock and pid are injected so tests read exact lines. Nothing here knows
 * about secrets: callers log values through the redaction in mod/config.
 */

export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  /** An info line shown only with `-v` ≥ `level`. */
  v(level: number, msg: string): void;
  /** Whether `-v` ≥ `level` (to skip building expensive messages). */
  enabled(level: number): boolean;
  /** The same sink and verbosity under another component name. */
  with(component: string): Logger;
}

export interface LoggerOptions {
  verbosity?: number;
  component?: string;
  write?: (line: string) => void;
  /** Wall clock in microseconds since the epoch. */
  nowMicros?: () => number;
  pid?: number;
}

const encoder = new TextEncoder();

function stderrWrite(line: string): void {
  const bytes = encoder.encode(line);
  let off = 0;
  while (off < bytes.length) off += Deno.stderr.writeSync(bytes.subarray(off));
}

function defaultNowMicros(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** Formats the klog header for severity `sev` at `micros` (UTC). */
export function klogHeader(
  sev: "I" | "W" | "E",
  micros: number,
  pid: number,
  comp: string,
): string {
  const d = new Date(Math.floor(micros / 1000));
  const us = micros % 1_000_000;
  return `${sev}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(us, 6)} ` +
    `${String(pid).padStart(7)} ${comp}] `;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const verbosity = opts.verbosity ?? 0;
  const write = opts.write ?? stderrWrite;
  const now = opts.nowMicros ?? defaultNowMicros;
  const pid = opts.pid ?? Deno.pid;
  const component = opts.component ?? "flanneld";
  const emit = (sev: "I" | "W" | "E", msg: string) =>
    write(klogHeader(sev, now(), pid, component) + msg + "\n");
  return {
    info: (m) => emit("I", m),
    warn: (m) => emit("W", m),
    error: (m) => emit("E", m),
    v: (level, m) => {
      if (verbosity >= level) emit("I", m);
    },
    enabled: (level) => verbosity >= level,
    with: (c) => createLogger({ ...opts, verbosity, write, nowMicros: now, pid, component: c }),
  };
}

/** A logger that drops everything (tests, library defaults). */
export const silentLogger: Logger = createLogger({ write: () => {}, pid: 0 });
