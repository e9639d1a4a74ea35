/**
 * Masquerade and forward rules installed by real agents (`--ip-masq`), iptables and nftables
 * mode, IPv4 and IPv6: a pod reaches a host outside the cluster network that has no route
 * back to the pods only once masqueraded, while pod-to-pod traffic across hosts keeps the
 * pod's own address (the receivers report what they saw); listings are spec §6's; restarting
 * the agent does not duplicate a rule; a rule deleted by hand comes back (iptables resync).
 */
import { assert, assertEquals, assertMatch } from "../../harness/assert.ts";
import { eventually, type Host } from "../../../scripts/lab/cluster.ts";
import { isRoot, NOT_ROOT } from "../../../scripts/lab/netns.ts";
import {
  expectedFwd,
  expectedNat,
  expectedNftPostrtg,
  MASQ_COMMENT,
} from "../firewall/expected_listings.ts";
import {
  CONFIG_DUAL,
  joinAll,
  OUTSIDE,
  ruleListing,
  startWhoami,
  whoami,
  withDaemonCluster,
} from "./helpers.ts";

if (!isRoot) console.warn(`daemon masquerade tests ignored: ${NOT_ROOT}`);
const opts = { ignore: !isRoot, sanitizeOps: false, sanitizeResources: false };

const NFT_CONFIG = CONFIG_DUAL.replace("{", '{"EnableNFTables":true,');
const NET = { 4: "10.244.0.0/16", 6: "fd00:10::/48" } as const;
const MULTICAST = { 4: "224.0.0.0/4", 6: "ff00::/8" } as const;

/** Upstream e2e's iptables view: FLANNEL lines of POSTROUTING, then the whole chain. */
async function natListing(h: Host, cmd: string): Promise<string> {
  const post = await h.ns.run(cmd, ["-t", "nat", "-S", "POSTROUTING"]);
  const chain = await h.ns.run(cmd, ["-t", "nat", "-S", "FLANNEL-POSTRTG"]);
  const lines = post.trimEnd().split("\n").filter((l) => l.includes("FLANNEL"));
  return [...lines, ...chain.trimEnd().split("\n")].join("\n");
}

/** The lease subnets of a host (host bits cleared) from its subnet.env. */
async function subnets(h: Host): Promise<{ 4: string; 6: string }> {
  const vars = await h.waitSubnetEnv();
  const net = (v: string) => v.replace(/\.1\//, ".0/").replace(/::1\//, "::/");
  return { 4: net(vars.get("FLANNEL_SUBNET")!), 6: net(vars.get("FLANNEL_IPV6_SUBNET")!) };
}

async function assertListings(h: Host, mode: "iptables" | "nftables"): Promise<void> {
  const s = await subnets(h);
  if (mode === "iptables") {
    assertEquals(await natListing(h, "iptables"), expectedNat(s[4], NET[4], MULTICAST[4]));
    assertEquals(await natListing(h, "ip6tables"), expectedNat(s[6], NET[6], MULTICAST[6]));
    const fwd = async (cmd: string) => {
      const jump = await h.ns.run(cmd, ["-t", "filter", "-S", "FORWARD"]);
      const chain = await h.ns.run(cmd, ["-t", "filter", "-S", "FLANNEL-FWD"]);
      const lines = jump.trimEnd().split("\n").filter((l) => l.includes("FLANNEL"));
      return [...lines, ...chain.trimEnd().split("\n")].join("\n");
    };
    assertEquals(await fwd("iptables"), expectedFwd(NET[4]));
    assertEquals(await fwd("ip6tables"), expectedFwd(NET[6]));
    return;
  }
  const chain = async (fam: string, table: string) =>
    (await h.ns.run("nft", ["list", "chain", fam, table, "postrtg"])).trimEnd();
  assertEquals(
    await chain("ip", "flannel-ipv4"),
    expectedNftPostrtg("ip", s[4], NET[4], MULTICAST[4]),
  );
  assertEquals(
    await chain("ip6", "flannel-ipv6"),
    expectedNftPostrtg("ip6", s[6], NET[6], MULTICAST[6]),
  );
  const tables = await h.ns.run("nft", ["list", "tables"]);
  assertEquals(tables, "table ip flannel-ipv4\ntable ip6 flannel-ipv6\n", "no iptables-nft tables");
}

async function restart(h: Host, flags: string[]): Promise<void> {
  assertEquals(await h.stopAgent(), 0);
  const a = h.startAgent(flags);
  await a.waitFor(/Running backend\./);
}

function masqTest(mode: "iptables" | "nftables") {
  return () =>
    withDaemonCluster(2, mode === "nftables" ? NFT_CONFIG : CONFIG_DUAL, async (d) => {
      const [h1, h2] = d.cluster.hosts as [Host, Host];
      await joinAll(d);
      const stops = [await startWhoami(d.outside), await startWhoami(h2.pod)];
      try {
        // Without --ip-masq the outside host cannot answer: it has no route to the pods.
        assertEquals(await whoami(h1.pod, OUTSIDE.ip4, 2), null, "IPv4 outside without masq");
        assertEquals(await whoami(h1.pod, OUTSIDE.ip6, 2), null, "IPv6 outside without masq");
        assertEquals(await whoami(h1.pod, h2.podIP!), h1.podIP, "pod to pod, no masq");

        const flags = [...d.flags, "--ip-masq", "--iptables-resync", "1"];
        await restart(h1, flags);
        assertEquals(await whoami(h1.pod, OUTSIDE.ip4), h1.ip4, "masqueraded to host 1");
        assertEquals(await whoami(h1.pod, OUTSIDE.ip6), h1.ip6, "IPv6 masqueraded to host 1");
        assertEquals(await whoami(h1.pod, h2.podIP!), h1.podIP, "pod to pod keeps the source");
        assertEquals(await whoami(h1.pod, h2.podIP6!), h1.podIP6, "IPv6 pod to pod too");
        await assertListings(h1, mode);
        assertMatch(h1.agent!.lines().join("\n"), new RegExp(`Starting flannel in ${mode} mode`));

        // A second and third start change nothing: no duplicated jump, no duplicated rule.
        const before = await ruleListing(h1, mode);
        await restart(h1, flags);
        await restart(h1, flags);
        assertEquals(await ruleListing(h1, mode), before);
        assertEquals(await whoami(h1.pod, OUTSIDE.ip4), h1.ip4);

        if (mode === "iptables") {
          const rule = `-s ${NET[4]} ! -d ${
            MULTICAST[4]
          } ${MASQ_COMMENT} -j MASQUERADE --random-fully`;
          const args = (op: string) => ["-t", "nat", op, "FLANNEL-POSTRTG", ...splitRule(rule)];
          await h1.ns.run("iptables", args("-D"));
          assert((await h1.ns.exec("iptables", args("-C"))).code !== 0, "rule deleted");
          assert(
            await eventually(async () => (await ruleListing(h1, mode)) === before, 4000),
            "resync restored the rule set exactly",
          );
          await h1.agent!.waitFor(/Some iptables rules are missing; deleting and recreating rules/);
          assertEquals(await whoami(h1.pod, OUTSIDE.ip4), h1.ip4);
        }
      } finally {
        for (const stop of stops) await stop();
      }
    });
}

/** Splits a rule spec into argv words (the comment is one quoted word). */
function splitRule(spec: string): string[] {
  return spec.match(/"[^"]*"|\S+/g)!.map((w) => w.replace(/^"(.*)"$/, "$1"));
}

Deno.test({
  ...opts,
  name: "iptables mode with the agent: outside only masqueraded, pods keep their source, " +
    "spec listings, no duplicates on restart, resync repairs",
  fn: masqTest("iptables"),
});

Deno.test({
  ...opts,
  name: "nftables mode with the agent: outside only masqueraded, pods keep their source, " +
    "spec listings, no duplicates on restart",
  fn: masqTest("nftables"),
});

Deno.test({
  ...opts,
  name: "iptables mode with the agent: a new network at restart recycles the old rules " +
    "(previous subnet.env values)",
  fn: () =>
    withDaemonCluster(1, CONFIG_DUAL, async (d) => {
      const h = d.cluster.hosts[0]!;
      const flags = [...d.flags, "--ip-masq"];
      h.startAgent(flags);
      const old = await subnets(h);
      await h.agent!.waitFor(/Running backend\./);
      assertEquals(await h.stopAgent(), 0);
      await d.writeConfig(CONFIG_DUAL.replace("10.244.0.0/16", "10.245.0.0/16"));
      const a = h.startAgent(flags);
      await a.waitFor(/Running backend\./);
      const now = await subnets(h);
      assert(now[4].startsWith("10.245."), now[4]);
      assertMatch(a.lines().join("\n"), /trying to recycle old iptables rules/);
      assertEquals(
        await natListing(h, "iptables"),
        expectedNat(now[4], "10.245.0.0/16", MULTICAST[4]),
        `no rule of ${old[4]} / 10.244.0.0/16 left`,
      );
      assertEquals(
        await natListing(h, "ip6tables"),
        expectedNat(now[6], NET[6], MULTICAST[6]),
      );
    }),
});
