/**
 * Event-driven repair end to end: with the periodic pass an hour of test time away
 * (`--reconcile-interval 60`), what someone else deletes on a host comes back within about
 * two seconds — a route, a neighbour, an FDB entry, the whole `flannel.1` with all its
 * entries — and each repair is one pass that calls for no other.
 */
import { assert, assertEquals } from "../../harness/assert.ts";
import { eventually, type Host } from "../../../scripts/lab/cluster.ts";
import { isRoot, NOT_ROOT } from "../../../scripts/lab/netns.ts";
import { assertExactState, assertPodsPing, CONFIGS, joinAll, withAgentCluster } from "./setup.ts";
import { expectedVxlan, type Peer, peerOf, vxlanState } from "./state.ts";

if (!isRoot) console.warn(`agent repair tests ignored: ${NOT_ROOT}`);
const opts = { ignore: !isRoot, sanitizeOps: false, sanitizeResources: false };
/**
 * "Within ~2 s": the trigger waits 150 ms after the first event (500 ms after the previous
 * repair's start when they follow each other), a pass over three peers takes milliseconds.
 */
const REPAIR_MS = 2000;

const repairLines = (h: Host) => h.agent!.lines().filter((l) => l.includes("Kernel state changed"));

/** Breaks something on `self`, then waits for its exact state; returns the time it took. */
async function timeRepair(self: Peer, peers: Peer[], breakIt: () => Promise<unknown>) {
  const want = JSON.stringify(expectedVxlan(self, peers));
  const before = repairLines(self.host).length;
  await breakIt();
  const t0 = Date.now();
  const ok = await eventually(
    async () => JSON.stringify(await vxlanState(self.host)) === want,
    REPAIR_MS * 3,
  );
  const ms = Date.now() - t0;
  assert(ok, `not repaired: ${JSON.stringify(await vxlanState(self.host))} vs ${want}`);
  assertEquals(repairLines(self.host).length, before + 1, "one repair pass");
  return ms;
}

Deno.test({
  ...opts,
  name: "vxlan: with a 60 s interval, deleted entries and flannel.1 come back within ~2 s",
  fn: () =>
    withAgentCluster(3, CONFIGS.vxlan, async (a) => {
      const peers = await joinAll(a, ["--reconcile-interval", "60"]);
      await assertExactState(peers, "vxlan");
      const [p1, p2] = peers as [Peer, Peer];
      const ns = p1.host.ns;
      await p1.host.agent!.waitFor(/Initial sync/);
      const took: Record<string, number> = {};
      took.route = await timeRepair(p1, peers, () => ns.ip("route", "del", p2.subnet!));
      took.neigh = await timeRepair(
        p1,
        peers,
        () => ns.ip("neigh", "del", p2.subnet!.split("/")[0]!, "dev", "flannel.1"),
      );
      took.fdb = await timeRepair(
        p1,
        peers,
        () => ns.run("bridge", ["fdb", "del", p2.mac4!, "dev", "flannel.1", "self"]),
      );
      took.device = await timeRepair(p1, peers, () => ns.ip("link", "del", "flannel.1"));
      console.log(`repaired in ms: ${JSON.stringify(took)}`);
      for (const [what, ms] of Object.entries(took)) {
        assert(ms < REPAIR_MS, `${what} repaired in ${ms} ms`);
      }
      assertEquals((await peerOf(p1.host)).mac4, p1.mac4, "same VTEP MAC");
      await assertPodsPing(a.cluster.hosts, 5000);
      // The repairs' own changes called for nothing more, here or on the other hosts.
      const seen = repairLines(p1.host).length;
      await new Promise((r) => setTimeout(r, 1500));
      assertEquals(repairLines(p1.host).length, seen, "no pass after the repairs");
      assertEquals(seen, 4);
      for (const h of a.cluster.hosts.slice(1)) assertEquals(repairLines(h), []);
    }),
});
