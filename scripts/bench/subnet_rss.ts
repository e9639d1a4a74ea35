/**
 * Child of scripts/bench/subnet.ts: the agent side of lease watching, alone in a process, for
 * an honest RSS figure. Connects to etcd, runs the policy manager's watch into a LeaseWatcher
 * until it holds every lease, then prints `{"rssStart":…, "rssHeld":…, "leases":…,
 * "firstSnapshotMs":…}` (MiB; the first snapshot is cold: fresh process, unoptimised code).
 *
 * Usage: `deno run -A scripts/bench/subnet_rss.ts <endpoint> <expected leases>`
 */
import { createEtcdStore } from "../../store/etcd.ts";
import { PolicySubnetManager } from "../../mod/subnet/policy.ts";
import { LeaseWatcher } from "../../mod/lease/watcher.ts";

const MiB = 1024 * 1024;

async function main(): Promise<void> {
  const [endpoint, want] = Deno.args;
  const rssStart = Deno.memoryUsage().rss / MiB;
  const store = await createEtcdStore({ endpoints: [endpoint!] });
  const sm = new PolicySubnetManager({ store });
  const w = new LeaseWatcher(null);
  const stop = new AbortController();
  const t0 = performance.now();
  let firstSnapshotMs = 0;
  for await (const r of sm.watchLeases(stop.signal)) {
    firstSnapshotMs ||= performance.now() - t0;
    w.apply(r);
    if (w.leases().length >= Number(want)) break;
  }
  // Let the allocation settle, as a running agent would be between events.
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 500));
  const rssHeld = Deno.memoryUsage().rss / MiB;
  console.log(JSON.stringify({ rssStart, rssHeld, leases: w.leases().length, firstSnapshotMs }));
  stop.abort();
  await sm.close();
}

if (import.meta.main) await main();
