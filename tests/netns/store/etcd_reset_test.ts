/**
 * etcd faults behind the agents' backs, end to end (issue 14): real agents on vxlan, real etcd.
 * - etcd loses its data (killed, data directory wiped, restarted empty, network config put
 *   back): every agent re-creates its own lease (same subnet, same value), pods keep pinging
 *   throughout, and an agent started afterwards gets a subnet nobody holds.
 * - An agent's lease is rewritten with another public IP: the agent writes its own back.
 */
import { assert, assertEquals, assertMatch, assertNotEquals } from "../../harness/assert.ts";
import { type AgentProcess, eventually, type Host } from "../../../scripts/lab/cluster.ts";
import { isRoot, type Netns, NOT_ROOT } from "../../../scripts/lab/netns.ts";
import {
  type AgentCluster,
  assertExactState,
  assertPodsPing,
  CONFIGS,
  joinAll,
  withAgentCluster,
} from "../agent/setup.ts";
import { type Peer, peerOf } from "../agent/state.ts";

if (!isRoot) console.warn(`etcd reset tests ignored: ${NOT_ROOT}`);
const opts = { ignore: !isRoot, sanitizeOps: false, sanitizeResources: false };
const keyOf = (cidr: string) => cidr.replace("/", "-");

/** `<subnet key> <value>` of every lease in etcd, sorted. */
async function leaseEntries(a: AgentCluster): Promise<string[]> {
  const dir = `${a.prefix}/subnets/`;
  const out = await a.etcd.etcdctl("get", "--prefix", dir).catch(() => "");
  const lines = out.split("\n").filter((l) => l !== "");
  const entries: string[] = [];
  for (let i = 0; i + 1 < lines.length; i += 2) {
    entries.push(`${lines[i]!.slice(dir.length)} ${lines[i + 1]}`);
  }
  return entries.sort();
}

/** A ping loop from `from` to `ip`: one every 20 ms, `count` of them; resolves to its summary. */
function pingLoop(from: Netns, ip: string, count: number) {
  const p = from.exec("ping", ["-q", "-i", "0.02", "-c", String(count), "-W", "1", ip]);
  return p.then((r) => {
    const m = /(\d+) packets transmitted, (\d+) received/.exec(r.stdout);
    assert(m !== null, `ping output: ${r.stdout} ${r.stderr}`);
    return { sent: Number(m[1]), received: Number(m[2]) };
  });
}

async function startThree(a: AgentCluster): Promise<Peer[]> {
  const hosts = a.cluster.hosts.slice(0, 3);
  for (const h of hosts) h.startAgent(a.flags);
  const peers: Peer[] = [];
  for (const h of hosts) {
    await h.wirePod(await h.waitSubnetEnv());
    peers.push(await peerOf(h));
  }
  return peers;
}

const RESET_LINE =
  /etcd's revision went backwards \(\d+ → \d+\): the store lost its data; re-creating our lease and resyncing/;

Deno.test({
  ...opts,
  name:
    "etcd wiped: agents re-create their leases, pods keep pinging, a new agent gets a free subnet",
  fn: () =>
    withAgentCluster(4, CONFIGS.vxlan, async (a) => {
      const peers = await startThree(a);
      const [h1, h2, h3, h4] = a.cluster.hosts as [Host, Host, Host, Host];
      await assertPodsPing([h1, h2, h3]);
      const before = await leaseEntries(a);
      assertEquals(before.length, 3);

      const pings = [pingLoop(h1.pod, h2.podIP!, 800), pingLoop(h3.pod, h1.podIP!, 800)];
      await new Promise((r) => setTimeout(r, 1000));
      await a.etcd.wipe(1000);
      await a.etcd.etcdctl("put", `${a.prefix}/config`, CONFIGS.vxlan);
      const t0 = Date.now();
      const back = await eventually(
        async () => JSON.stringify(await leaseEntries(a)) === JSON.stringify(before),
        20_000,
      );
      assert(back, `leases not re-created: ${JSON.stringify(await leaseEntries(a))}`);
      console.log(`leases back ${Date.now() - t0} ms after etcd came back empty`);
      for (const h of [h1, h2, h3]) {
        const agent = h.agent as AgentProcess;
        await agent.waitFor(RESET_LINE, 5000);
        await agent.waitFor(/etcd .*unreachable/, 1000);
        await agent.waitFor(/etcd .*reachable again after/, 1000);
      }
      for (const r of await Promise.all(pings)) {
        assertEquals(r.received, r.sent, `pings lost across the wipe: ${JSON.stringify(r)}`);
      }

      h4.startAgent(a.flags);
      await h4.wirePod(await h4.waitSubnetEnv());
      const p4 = await peerOf(h4);
      assert(!peers.some((p) => p.subnet === p4.subnet), `duplicate subnet ${p4.subnet}`);
      assertEquals((await leaseEntries(a)).length, 4);
      await assertPodsPing(a.cluster.hosts);
      await assertExactState([...peers, p4], "vxlan");
    }),
});

Deno.test({
  ...opts,
  name: "an agent's lease rewritten with another public IP is written back; pods still ping",
  fn: () =>
    withAgentCluster(3, CONFIGS.vxlan, async (a) => {
      const peers = await joinAll(a);
      await assertPodsPing(a.cluster.hosts);
      const key = `${a.prefix}/subnets/${keyOf(peers[0]!.subnet!)}`;
      const ours = (await a.etcd.etcdctl("get", key, "--print-value-only")).trim();
      const forged = ours.replace('"PublicIP":"198.18.0.11"', '"PublicIP":"198.18.0.99"');
      assertNotEquals(forged, ours);
      await a.etcd.etcdctl("put", key, forged);
      const t0 = Date.now();
      const restored = await eventually(
        async () => (await a.etcd.etcdctl("get", key, "--print-value-only")).trim() === ours,
        5000,
      );
      assert(restored, "our lease was not written back");
      console.log(`lease written back ${Date.now() - t0} ms after the rewrite`);
      const line = await a.cluster.hosts[0]!.agent!.waitFor(/rewritten/, 1000);
      assertMatch(line, /198\.18\.0\.99/);
      const kv = JSON.parse(await a.etcd.etcdctl("get", key, "-w", "json")).kvs[0];
      assertNotEquals(kv.lease ?? 0, 0, "written back with a TTL (an etcd lease)");
      await assertPodsPing(a.cluster.hosts);
      await assertExactState(peers, "vxlan");
    }),
});
