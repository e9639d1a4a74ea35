/**
 * The V8 flags the agent runs with wherever it is started — the self-extracting launcher
 * (scripts/compile.ts), the systemd unit and the DaemonSet (scripts/deploy/), the test
 * harness — passed as `DENO_V8_FLAGS` (comma-separated; Deno reads it at start-up; an
 * operator's own value wins, and `--v8-flags` on the command line replaces it).
 *
 * Design notes (BENCHMARKS.md `## Agent`, 5,000 peers): a 1 MiB semi-space keeps the young
 * generation from growing to V8's 16 MiB while the initial sync allocates, and
 * `--optimize-for-size` makes the old generation grow in small steps; together the peak RSS
 * drops from ≈ 150 to ≈ 100 MiB and start-up gets no slower. Turning the optimizing
 * compilers off as well saves ≈ 7 MiB more but costs ≈ 200 ms of start-up; `--jitless`
 * ≈ 16 MiB for ≈ 500 ms; `--single-threaded-gc` and an explicit GC after the sync do not help.
 */
export const AGENT_V8_FLAGS = "--max-semi-space-size=1,--optimize-for-size";
