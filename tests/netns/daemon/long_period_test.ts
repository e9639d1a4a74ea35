/**
 * Periods above JavaScript's timer limit (2^31 − 1 ms, 24.8 days), end to end: a real agent
 * given `--iptables-resync` and `--reconcile-interval` of 2,147,484 s must wait that long —
 * not fire every millisecond, as a clamped `setTimeout` does (a spinning agent, a blackhole
 * route added at once instead of after one period).
 */
import { assert, assertEquals } from "../../harness/assert.ts";
import { isRoot, NOT_ROOT } from "../../../scripts/lab/netns.ts";
import { CONFIG_V4, withDaemonCluster } from "./helpers.ts";

if (!isRoot) console.warn(`daemon long-period tests ignored: ${NOT_ROOT}`);
const opts = { ignore: !isRoot, sanitizeOps: false, sanitizeResources: false };

/** CPU seconds (user + system) the process has used so far. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in USER_HZ (100)
}

Deno.test({
  ...opts,
  name:
    "--iptables-resync/--reconcile-interval of 2,147,484 s: nothing fires early, the agent idles",
  fn: () =>
    withDaemonCluster(1, CONFIG_V4, async (d) => {
      const h = d.cluster.hosts[0]!;
      const long = "2147484";
      const a = h.startAgent([
        ...d.flags,
        "--ip-masq",
        "--ip-blackhole-route",
        "--iptables-resync",
        long,
        "--reconcile-interval",
        long,
      ]);
      await a.waitFor(/Running backend\./);
      const cpu0 = await cpuSeconds(a.pid);
      await new Promise((r) => setTimeout(r, 2000));
      const used = (await cpuSeconds(a.pid)) - cpu0;
      // The first blackhole check comes after one period (spec §6.6): not within these 2 s.
      const blackholes = (await h.ns.run("ip", ["route", "show", "type", "blackhole"])).trim();
      assertEquals(blackholes, "", a.log());
      assert(!a.lines().some((l) => l.includes("Added blackhole route")), a.log());
      assert(used < 0.5, `an idle agent used ${used.toFixed(2)} s of CPU in 2 s`);
      assertEquals(await h.stopAgent(), 0);
    }),
});
