/**
 * Hostile leases next to running agents (issue 14): a valid-looking lease for the underlay,
 * leases outside the Network or as large as it, and vxlan leases with bad backend data. No
 * agent may program them, the underlay's connected route stays, pods keep answering, every
 * bad key is logged once per agent, an agent started while they exist still gets a subnet, a
 * valid update of a bad lease is programmed, and deleting the keys changes nothing. And the
 * reconciler's own guard: a valid lease whose key a connected route holds on one host is
 * programmed elsewhere but leaves that route alone.
 *
 * Each check comes in the order the faults show, so before the fix the first one fails at the
 * fault itself (the underlay route replaced; a connected route replaced), not at a log line.
 */
import { assert, assertEquals } from "../../harness/assert.ts";
import { eventually, type Host } from "../../../scripts/lab/cluster.ts";
import { isRoot, NOT_ROOT } from "../../../scripts/lab/netns.ts";
import { assertExactState, assertPodsPing, CONFIGS, withAgentCluster } from "./setup.ts";
import { type Peer, peerOf } from "./state.ts";

if (!isRoot) console.warn(`agent hostile-lease tests ignored: ${NOT_ROOT}`);
const opts = { ignore: !isRoot, sanitizeOps: false, sanitizeResources: false };

const GOOD_DATA = `{"VNI":1,"VtepMAC":"02:42:c6:12:00:63"}`;
const value = (data: string) =>
  `{"PublicIP":"198.18.0.99","BackendType":"vxlan","BackendData":${data}}`;
/** A full pass runs every 2 s (`--reconcile-interval 2`): this covers a flush and a pass. */
const SETTLE_MS = 3000;
const settle = (ms = SETTLE_MS) => new Promise((r) => setTimeout(r, ms));

/** Key suffix → lease value; the subnet each names must never appear in any kernel. */
const HOSTILE: Record<string, string> = {
  "198.18.0.0-24": value(GOOD_DATA), // the underlay itself
  "10.0.0.0-8": value(GOOD_DATA), // around the whole Network
  "128.0.0.0-1": value(GOOD_DATA), // half the internet
  "0.0.0.0-0": value(GOOD_DATA), // everything
  "10.244.0.0-16": value(GOOD_DATA), // the whole Network
  "10.244.210.0-24": value(`{"VNI":1,"VtepMAC":"ff:ff:ff:ff:ff:ff"}`), // broadcast VTEP
  "10.244.211.0-24": value(`{"VNI":"x","VtepMAC":"02:42:c6:12:00:64"}`), // VNI not a number
  "10.244.212.0-24": value(`"str"`), // backend data not an object
};
const cidrOf = (key: string) => key.replace("-", "/");

/** The underlay's connected route, as `ip -j route` reads it back. */
async function assertUnderlayRoute(h: Host): Promise<void> {
  const routes = await h.ns.ipJson("-4", "route", "show", "table", "main", "198.18.0.0/24");
  assertEquals(
    routes.map((r) => [r.dst, r.dev, r.protocol, r.prefsrc]),
    [["198.18.0.0/24", "eth0", "kernel", h.ip4]],
    `host ${h.index}: underlay route`,
  );
}

/** No route for a hostile subnet in any table of any host. */
async function assertNoHostileRoutes(h: Host): Promise<void> {
  const routes = await h.ns.ipJson("-4", "route", "show", "table", "all");
  const bad = routes.filter((r) =>
    Object.keys(HOSTILE).map(cidrOf).some((c) =>
      r.dst === c || (c === "0.0.0.0/0" && r.dst === "default")
    ) && r.protocol !== "kernel"
  );
  assertEquals(bad, [], `host ${h.index}: routes for hostile leases`);
}

/** Lines of `h`'s agent that contain `text`. */
const linesWith = (h: Host, text: string) => h.agent!.lines().filter((l) => l.includes(text));

/** Each hostile key was said exactly once by each host's agent. */
function assertSaidOnce(hosts: Host[]): void {
  for (const h of hosts) {
    for (const key of Object.keys(HOSTILE)) {
      const said = linesWith(h, `Ignoring lease "${cidrOf(key)}"`);
      assertEquals(said.length, 1, `host ${h.index}, key ${key}: ${said.join(" | ")}`);
    }
  }
}

async function assertHealthy(hosts: Host[], peers: Peer[]): Promise<void> {
  for (const h of hosts) {
    await assertUnderlayRoute(h);
    await assertNoHostileRoutes(h);
    assert(h.agent!.running, `agent of host ${h.index} runs`);
  }
  await assertExactState(peers, "vxlan");
  await assertPodsPing(hosts);
}

/** `ip route show <cidr>` of a host as `<dev> <protocol>` lines. */
const routeOn = async (h: Host, cidr: string) =>
  (await h.ns.ipJson("-4", "route", "show", cidr)).map((r) => `${r.dev} ${r.protocol}`);

Deno.test({
  ...opts,
  name: "agent: hostile leases are skipped and logged once; a new agent still gets a subnet",
  fn: () =>
    withAgentCluster(3, CONFIGS.vxlan, async (a) => {
      const hosts = a.cluster.hosts;
      const [h1, h2, h3] = hosts as [Host, Host, Host];
      for (const h of [h1, h2]) h.startAgent(a.flags);
      for (const h of [h1, h2]) await h.wirePod(await h.waitSubnetEnv());
      const peers = [await peerOf(h1), await peerOf(h2)];
      for (const [key, v] of Object.entries(HOSTILE)) {
        await a.etcd.etcdctl("put", `${a.prefix}/subnets/${key}`, v);
      }
      await settle();
      await assertHealthy([h1, h2], peers);
      assertSaidOnce([h1, h2]);
      // Started while the keys exist: `10.244.0.0-16` must not block its allocation.
      h3.startAgent(a.flags);
      await h3.wirePod(await h3.waitSubnetEnv());
      assertEquals(linesWith(h3, 'Lease "10.244.0.0/16" does not block allocation').length, 1);
      peers.push(await peerOf(h3));
      await assertHealthy(hosts, peers);
      await settle(5000); // several full passes and renewals later: still one line per key
      assertSaidOnce(hosts);
      // A valid update of a skipped lease is programmed as any other, and removed with it.
      const fixed = `${a.prefix}/subnets/10.244.210.0-24`;
      await a.etcd.etcdctl("put", fixed, value(GOOD_DATA));
      for (const h of hosts) {
        await eventually(async () => (await routeOn(h, "10.244.210.0/24")).length > 0);
        assertEquals(await routeOn(h, "10.244.210.0/24"), ["flannel.1 242"], `host ${h.index}`);
      }
      for (const key of Object.keys(HOSTILE)) {
        await a.etcd.etcdctl("del", `${a.prefix}/subnets/${key}`);
      }
      await settle();
      await assertHealthy(hosts, peers);
    }),
});

Deno.test({
  ...opts,
  name: "agent: a valid lease whose key a connected route holds leaves that route alone",
  fn: () =>
    withAgentCluster(2, CONFIGS.vxlan, async (a) => {
      const [h1, h2] = a.cluster.hosts as [Host, Host];
      // Host 1 has a connected route inside the Network (a stray bridge), before its agent runs.
      await h1.ns.ip("link", "add", "br9", "type", "bridge");
      await h1.ns.ip("addr", "add", "10.244.250.1/24", "dev", "br9");
      await h1.ns.ip("link", "set", "br9", "up");
      for (const h of [h1, h2]) h.startAgent(a.flags);
      for (const h of [h1, h2]) await h.waitSubnetEnv();
      await h1.agent!.waitFor(/Initial sync/);
      const key = `${a.prefix}/subnets/10.244.250.0-24`;
      await a.etcd.etcdctl("put", key, value(GOOD_DATA));
      await eventually(async () => (await routeOn(h2, "10.244.250.0/24")).length > 0);
      assertEquals(await routeOn(h2, "10.244.250.0/24"), ["flannel.1 242"], "host 2 programs it");
      // Host 1 took the lease too (its neighbour entry is there), then ran full passes.
      const neigh = () => h1.ns.ipJson("-4", "neigh", "show", "dev", "flannel.1", "10.244.250.0");
      await eventually(async () => (await neigh()).length > 0);
      assertEquals((await neigh()).map((n) => n.lladdr), ["02:42:c6:12:00:63"]);
      await settle(4500);
      assertEquals(await routeOn(h1, "10.244.250.0/24"), ["br9 kernel"], "host 1 keeps its route");
      assertEquals(
        linesWith(h1, "Not replacing route 10.244.250.0/24 dev br9 proto kernel").length,
        1,
      );
      await a.etcd.etcdctl("del", key);
      await eventually(async () => (await routeOn(h2, "10.244.250.0/24")).length === 0);
      assertEquals(await routeOn(h2, "10.244.250.0/24"), []);
      await settle();
      assertEquals(await routeOn(h1, "10.244.250.0/24"), ["br9 kernel"], "deleting the key too");
    }),
});
