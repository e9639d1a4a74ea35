import { shutdownOnSignals } from "../../../mod/daemon/signals.ts";
import { createLogger } from "../../../mod/log.ts";
import { assert, assertEquals } from "../../harness/assert.ts";

function world() {
  const listeners = new Map<Deno.Signal, Set<() => void>>();
  const lines: string[] = [];
  const exits: number[] = [];
  const timers: { fn: () => void; ms: number; cancelled: boolean }[] = [];
  return {
    listeners,
    lines,
    exits,
    timers,
    deps: {
      logger: createLogger({ write: (l) => lines.push(l.split("] ")[1]!.trimEnd()) }),
      addListener: (s: Deno.Signal, fn: () => void) => {
        if (!listeners.has(s)) listeners.set(s, new Set());
        listeners.get(s)!.add(fn);
      },
      removeListener: (s: Deno.Signal, fn: () => void) => listeners.get(s)?.delete(fn),
      exit: (code: number) => void exits.push(code),
      startTimer: (fn: () => void, ms: number) => {
        const t = { fn, ms, cancelled: false };
        timers.push(t);
        return () => void (t.cancelled = true);
      },
    },
    raise(s: Deno.Signal) {
      for (const fn of [...listeners.get(s) ?? []]) fn();
    },
  };
}

Deno.test("shutdownOnSignals() aborts on the first signal and leaves the second to the default action", () => {
  const w = world();
  const sd = shutdownOnSignals(w.deps);
  assertEquals(w.lines, ["Installing signal handlers"]);
  assertEquals([w.listeners.get("SIGINT")!.size, w.listeners.get("SIGTERM")!.size], [1, 1]);
  assert(!sd.signal.aborted);
  w.raise("SIGTERM");
  assert(sd.signal.aborted);
  assertEquals(w.lines.at(-1), "shutdownHandler sent cancel signal...");
  // Handlers gone: the next SIGINT/SIGTERM kills the process (Deno restores the default).
  assertEquals([w.listeners.get("SIGINT")!.size, w.listeners.get("SIGTERM")!.size], [0, 0]);
  sd.dispose();
  assertEquals(w.timers.map((t) => t.cancelled), [true], "a finished shutdown stops the watchdog");
  assertEquals(w.exits, []);
});

Deno.test("shutdownOnSignals() watchdog exits 0 with a warning when a shutdown hangs", () => {
  const w = world();
  shutdownOnSignals({ ...w.deps, graceMs: 2500 });
  w.raise("SIGINT");
  assertEquals(w.timers.map((t) => t.ms), [2500]);
  w.timers[0]!.fn();
  assertEquals(w.exits, [0]);
  assertEquals(w.lines.at(-1), "Clean shutdown did not finish within 2500 ms; exiting now");
});

Deno.test("shutdownOnSignals() dispose without a signal removes the handlers, starts no timer", () => {
  const w = world();
  const sd = shutdownOnSignals(w.deps);
  sd.dispose();
  assertEquals([w.listeners.get("SIGINT")!.size, w.listeners.get("SIGTERM")!.size], [0, 0]);
  assertEquals(w.timers.length, 0);
});

Deno.test("shutdownOnSignals() with the real Deno signal API: install and dispose leak nothing", () => {
  const sd = shutdownOnSignals({ logger: createLogger({ write: () => {} }) });
  sd.dispose();
  assert(!sd.signal.aborted);
});
