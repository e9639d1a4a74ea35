/**
 * Hostile leases next to running agents (issue 14): a valid-looking lease for the underlay,
 * leases outside the Network or as large as it, and vxlan leases with bad backend data. No
 * agent may program them, the underlay's connected route stays, pods keep answering, every
 * bad key is logged once per agent, deleting the keys changes nothing, and an agent started
 * while they exist still gets a subnet. And the reconciler's own guard: a valid lease whose key
 * a connected route holds on one host is programmed elsewhere but leaves that route alone.
 */
import { assert, assertEquals } from "../../harness/assert.ts";
import { eventually, type Host } from "../../harness/cluster.ts";
import { isRoot, NOT_ROOT } from "../../harness/netns.ts";
import { assertExactState, assertPodsPing, CONFIGS, withAgentCluster } from "./setup.ts";
import { type Peer, peerOf } from "./state.ts";

if (!isRoot) console.warn(`agent hostile-lease tests ignored: ${NOT_ROOT}`);
const opts = { ignore: !isRoot, sanitizeOps: false, sanitizeResources: false };

const GOOD_DATA = `{"VNI":1,"VtepMAC":"02:42:c6:12:00:63"}`;
const value = (data: string) =>
  `{"PublicIP":"198.18.0.99","BackendType":"vxlan","BackendData":${data}}`;

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

/** Lines of `h`'s agent that say it ignores the lease of `cidr`. */
const ignoredLines = (h: Host, cidr: string) =>
  h.agent!.lines().filter((l) => l.includes(`Ignoring lease "${cidr}"`));

async function assertHealthy(hosts: Host[], peers: Peer[]): Promise<void> {
  for (const h of hosts) {
    await assertUnderlayRoute(h);
    await assertNoHostileRoutes(h);
    assert(h.agent!.running, `agent of host ${h.index} runs`);
  }
  await assertExactState(peers, "vxlan");
  await assertPodsPing(hosts);
}

Deno.test({
  ...opts,
  name: "agent: hostile leases are skipped and logged once; a new agent still gets a subnet",
  fn: () =>
    withAgentCluster(3, CONFIGS.vxlan, async (a) => {
      const hosts = a.cluster.hosts;
      const [h1, h2, h3] = hosts as [Host, Host, Host];
      for (const h of [h1, h2]) h.startAgent(a.flags);
      for (const h of [h1, h2]) await h.wirePod(await h.waitSubnetEnv());
      for (const [key, v] of Object.entries(HOSTILE)) {
        await a.etcd.etcdctl("put", `${a.prefix}/subnets/${key}`, v);
      }
      // Started while the keys exist: `10.244.0.0-16` must not block its allocation.
      h3.startAgent(a.flags);
      await h3.wirePod(await h3.waitSubnetEnv());
      const peers = [await peerOf(h1), await peerOf(h2), await peerOf(h3)];
      await assertHealthy(hosts, peers);
      // Several full passes (every 2 s) and event rounds later, still one line per key.
      await new Promise((r) => setTimeout(r, 5000));
      for (const h of hosts) {
        for (const key of Object.keys(HOSTILE)) {
          assertEquals(ignoredLines(h, cidrOf(key)).length, 1, `host ${h.index}, key ${key}`);
        }
      }
      for (const key of Object.keys(HOSTILE)) {
        await a.etcd.etcdctl("del", `${a.prefix}/subnets/${key}`);
      }
      await new Promise((r) => setTimeout(r, 3000));
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
      const routeOn = async (h: Host) =>
        (await h.ns.ipJson("-4", "route", "show", "10.244.250.0/24"))
          .map((r) => `${r.dev} ${r.protocol}`);
      await eventually(async () => (await routeOn(h2)).join() === "flannel.1 242");
      assertEquals(await routeOn(h2), ["flannel.1 242"], "host 2 programs the valid lease");
      await h1.agent!.waitFor(/Not replacing route 10\.244\.250\.0\/24 dev br9 proto kernel/);
      await new Promise((r) => setTimeout(r, 4500)); // two more full passes
      assertEquals(await routeOn(h1), ["br9 kernel"], "host 1 keeps its connected route");
      assertEquals(h1.agent!.lines().filter((l) => l.includes("Not replacing")).length, 1);
      await a.etcd.etcdctl("del", key);
      await eventually(async () => (await routeOn(h2)).length === 0);
      assertEquals(await routeOn(h2), []);
      await new Promise((r) => setTimeout(r, 2500));
      assertEquals(await routeOn(h1), ["br9 kernel"], "deleting the key leaves it too");
    }),
});
