/**
 * The agent lifecycle in-process against real namespaces and the real kernel (rtnetlink
 * sockets opened inside each host's namespace), with an in-memory lease registry: the
 * kernel-facing half of the product without a store.
 */
import { assert, assertEquals } from "../../harness/assert.ts";
import { type Cluster, eventually, pingOnce, withCluster } from "../../../scripts/lab/cluster.ts";
import { FakeRegistry } from "../../harness/fake_registry.ts";
import { inProcessAgent } from "../../harness/in_process_agent.ts";
import { isRoot, NOT_ROOT } from "../../../scripts/lab/netns.ts";
import { runAgent } from "../../../mod/agent/agent.ts";
import { createLogger } from "../../../mod/log.ts";
import {
  expectedHostGw,
  expectedVxlan,
  hostGwState,
  type Peer,
  peerOf,
  vxlanState,
} from "./state.ts";

if (!isRoot) console.warn(`in-process agent tests ignored: ${NOT_ROOT}`);

function runInProcess(c: Cluster, reg: FakeRegistry, signal: AbortSignal) {
  const runs: Promise<number>[] = [];
  const conns: { close(): void }[] = [];
  for (const h of c.hosts) {
    const lines: string[] = [];
    const agent = inProcessAgent(h, {
      manager: reg.manager(),
      logger: createLogger({ write: (l) => lines.push(l) }),
    });
    conns.push(agent);
    runs.push(
      runAgent(agent.deps, signal).finally(() => {
        if (Deno.env.get("AGENT_LOG")) console.error(lines.join(""));
      }),
    );
  }
  return { runs, close: () => conns.forEach((x) => x.close()) };
}

Deno.test({
  name: "in-process agents program vxlan between 3 hosts; pods ping; drift and departures handled",
  ignore: !isRoot,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withCluster({ hosts: 3 }, async (c) => {
      const reg = new FakeRegistry(`{"Network":"10.244.0.0/16","Backend":{"Type":"vxlan"}}`);
      const ctl = new AbortController();
      const agents = runInProcess(c, reg, ctl.signal);
      try {
        const peers: Peer[] = [];
        for (const h of c.hosts) {
          await h.wirePod(await h.waitSubnetEnv());
          peers.push(await peerOf(h));
        }
        for (const p of peers) {
          assert(
            await eventually(async () =>
              JSON.stringify(await vxlanState(p.host, 1, false)) ===
                JSON.stringify(expectedVxlan(p, peers))
            ),
          );
          assertEquals(await vxlanState(p.host, 1, false), expectedVxlan(p, peers));
        }
        const [h1, h2, h3] = c.hosts as [typeof c.hosts[0], typeof c.hosts[0], typeof c.hosts[0]];
        assert(await eventually(() => pingOnce(h1.pod, h2.podIP!, 1)), "pod 1 → pod 2");
        assert(await eventually(() => pingOnce(h3.pod, h1.podIP!, 1)), "pod 3 → pod 1");
        await h1.ns.ip("link", "del", "flannel.1");
        assert(
          await eventually(async () =>
            JSON.stringify(await vxlanState(h1, 1, false)) ===
              JSON.stringify(expectedVxlan(peers[0]!, peers)), 4000),
          "device and entries back after one pass",
        );
        assert(
          await eventually(() => pingOnce(h1.pod, h2.podIP!, 1)),
          "pod 1 → pod 2 after repair",
        );
        reg.delete(peers[2]!.subnet!);
        const rest = peers.slice(0, 2);
        assert(
          await eventually(async () =>
            JSON.stringify(await vxlanState(h2, 1, false)) ===
              JSON.stringify(expectedVxlan(peers[1]!, rest)), 3000),
        );
      } finally {
        ctl.abort();
        const codes = await Promise.all(agents.runs);
        agents.close();
        assertEquals(codes.slice(0, 2), [0, 0]);
      }
    }),
});

const CONFIG = (type: string, v4: boolean) =>
  `{"EnableIPv4":${v4},${v4 ? `"Network":"10.244.0.0/16",` : ""}"EnableIPv6":true,` +
  `"IPv6Network":"fd00:10::/48","Backend":{"Type":"${type}"}}`;

const CASES = [["vxlan", true], ["host-gw", true], ["vxlan", false], ["host-gw", false]] as const;
for (const [type, v4] of CASES) {
  Deno.test({
    name: `in-process agents: ${type} ${
      v4 ? "dual-stack" : "IPv6-only"
    } between 3 hosts, exact state, pods ping`,
    ignore: !isRoot,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: () =>
      withCluster({ hosts: 3 }, async (c) => {
        const reg = new FakeRegistry(CONFIG(type, v4));
        const ctl = new AbortController();
        const agents = runInProcess(c, reg, ctl.signal);
        try {
          const peers: Peer[] = [];
          for (const h of c.hosts) {
            await h.wirePod(await h.waitSubnetEnv());
            peers.push(await peerOf(h));
          }
          for (const p of peers) {
            const want = type === "vxlan" ? expectedVxlan(p, peers) : expectedHostGw(p, peers);
            const read = () => type === "vxlan" ? vxlanState(p.host) : hostGwState(p.host);
            await eventually(async () => JSON.stringify(await read()) === JSON.stringify(want));
            assertEquals(await read(), want);
          }
          for (const from of c.hosts) {
            for (const to of c.hosts) {
              if (from === to) continue;
              if (v4) {
                assert(
                  await eventually(() => pingOnce(from.pod, to.podIP!, 1)),
                  `${from.index} → ${to.podIP}`,
                );
              }
              assert(
                await eventually(() => pingOnce(from.pod, to.podIP6!, 1)),
                `${from.index} → ${to.podIP6}`,
              );
            }
          }
        } finally {
          ctl.abort();
          await Promise.all(agents.runs);
          agents.close();
        }
      }),
  });
}
