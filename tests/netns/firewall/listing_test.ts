/**
 * The real tools inside a throwaway namespace: listings exactly as spec/flannel.md §6 and
 * upstream's e2e suite expect, idempotence, resync, recycling and cross-mode cleanup.
 */
import { Firewall, type FirewallMode, netnsRunner } from "../../../mod/firewall/mod.ts";
import { parseCIDR } from "../../../mod/ip/mod.ts";
import { createLogger } from "../../../mod/log.ts";
import { assert, assertEquals } from "../../harness/assert.ts";
import { isRoot, type Netns, NOT_ROOT, withNetns } from "../../../scripts/lab/netns.ts";
import { expectedFwd, expectedNat, expectedNftPostrtg } from "./expected_listings.ts";

const N = parseCIDR("10.42.0.0/16");
const S = parseCIDR("10.42.1.0/24");
const N6 = parseCIDR("fd00:42::/56");
const S6 = parseCIDR("fd00:42:0:1::/64");
const ignore = !isRoot;
if (ignore) console.log(`tests/netns/firewall: ignored, ${NOT_ROOT}`);

function firewall(ns: Netns, mode: FirewallMode, lines: string[] = []): Firewall {
  const logger = createLogger({ write: (l) => lines.push(l.replace(/^.*?\] /, "")) });
  return new Firewall({ mode, run: netnsRunner(ns.name), logger });
}

const setupAll = (
  fw: Firewall,
  subnet = S,
  prev: { prevNetwork?: typeof N; prevSubnet?: typeof S } = {},
) =>
  fw.setup({
    masq: { targets: [{ network: N, subnet, ...prev }, { network: N6, subnet: S6 }] },
    forwardNetworks: [N, N6],
  });

/** What upstream's e2e `iptablesNatFlannel` collects: FLANNEL lines of POSTROUTING + the chain. */
async function natListing(ns: Netns, cmd = "iptables"): Promise<string> {
  const post = await ns.run(cmd, ["-t", "nat", "-S", "POSTROUTING"]);
  const chain = await ns.run(cmd, ["-t", "nat", "-S", "FLANNEL-POSTRTG"]);
  const lines = post.trimEnd().split("\n").filter((l) => l.includes("FLANNEL"));
  return [...lines, ...chain.trimEnd().split("\n")].join("\n");
}

async function fwdListing(ns: Netns, cmd = "iptables"): Promise<string> {
  const fwd = await ns.run(cmd, ["-t", "filter", "-S", "FORWARD"]);
  const chain = await ns.run(cmd, ["-t", "filter", "-S", "FLANNEL-FWD"]);
  return fwd.trimEnd() + "\n" + chain.trimEnd();
}

/** Upstream's whole FORWARD listing: the policy line, then flannel's rules. */
const expectedFwdAll = (n: string) => "-P FORWARD ACCEPT\n" + expectedFwd(n);

const nftForward = (fam: string, table: string, n: string) =>
  [
    `table ${fam} ${table} {`,
    "\tchain forward {",
    '\t\tcomment "chain to accept flannel traffic"',
    "\t\ttype filter hook forward priority filter; policy accept;",
    `\t\t${fam} saddr ${n} accept`,
    `\t\t${fam} daddr ${n} accept`,
    "\t}",
    "}",
  ].join("\n");

async function nftChain(ns: Netns, fam: string, table: string, chain: string): Promise<string> {
  return (await ns.run("nft", ["list", "chain", fam, table, chain])).trimEnd();
}

async function assertIptablesListings(ns: Netns): Promise<void> {
  assertEquals(await natListing(ns), expectedNat("10.42.1.0/24", "10.42.0.0/16", "224.0.0.0/4"));
  assertEquals(await fwdListing(ns), expectedFwdAll("10.42.0.0/16"));
  assertEquals(
    await natListing(ns, "ip6tables"),
    expectedNat("fd00:42:0:1::/64", "fd00:42::/56", "ff00::/8"),
  );
  assertEquals(await fwdListing(ns, "ip6tables"), expectedFwdAll("fd00:42::/56"));
}

async function assertNftListings(ns: Netns): Promise<void> {
  assertEquals(
    await nftChain(ns, "ip", "flannel-ipv4", "postrtg"),
    expectedNftPostrtg("ip", "10.42.1.0/24", "10.42.0.0/16", "224.0.0.0/4"),
  );
  assertEquals(
    await nftChain(ns, "ip", "flannel-ipv4", "forward"),
    nftForward("ip", "flannel-ipv4", "10.42.0.0/16"),
  );
  assertEquals(
    await nftChain(ns, "ip6", "flannel-ipv6", "postrtg"),
    expectedNftPostrtg("ip6", "fd00:42:0:1::/64", "fd00:42::/56", "ff00::/8"),
  );
  assertEquals(
    await nftChain(ns, "ip6", "flannel-ipv6", "forward"),
    nftForward("ip6", "flannel-ipv6", "fd00:42::/56"),
  );
}

Deno.test({
  name: "iptables mode: listings match §6 exactly (IPv4, IPv6) and a second run changes nothing",
  ignore,
  fn: () =>
    withNetns(1, async (ns) => {
      await setupAll(firewall(ns, "iptables"));
      await assertIptablesListings(ns);
      await setupAll(firewall(ns, "iptables"));
      await assertIptablesListings(ns);
    }, "fwl"),
});

Deno.test({
  name: "nftables mode: nft list chain matches §6.5 exactly and a second run changes nothing",
  ignore,
  fn: () =>
    withNetns(1, async (ns) => {
      await setupAll(firewall(ns, "nftables"));
      await assertNftListings(ns);
      await setupAll(firewall(ns, "nftables"));
      await assertNftListings(ns);
      const tables = await ns.run("nft", ["list", "tables"]);
      assertEquals(tables, "table ip flannel-ipv4\ntable ip6 flannel-ipv6\n");
    }, "fwn"),
});

Deno.test({
  name: "iptables mode: rules deleted by hand come back after a resync",
  ignore,
  fn: () =>
    withNetns(1, async (ns) => {
      const lines: string[] = [];
      const fw = firewall(ns, "iptables", lines);
      await setupAll(fw);
      const ctl = new AbortController();
      const loop = fw.startResync(1, ctl.signal);
      try {
        await ns.run("iptables", [
          "-t",
          "nat",
          "-D",
          "FLANNEL-POSTRTG",
          "-s",
          "10.42.0.0/16",
          "-d",
          "10.42.1.0/24",
          "-m",
          "comment",
          "--comment",
          "flanneld masq",
          "-j",
          "RETURN",
        ]);
        await ns.run("ip6tables", [
          "-t",
          "filter",
          "-D",
          "FORWARD",
          "-m",
          "comment",
          "--comment",
          "flanneld forward",
          "-j",
          "FLANNEL-FWD",
        ]);
        await ns.run("iptables", ["-t", "filter", "-A", "FORWARD", "-j", "ACCEPT"]); // someone else's rule
        await waitFor(() =>
          Promise.resolve(
            lines.filter((l) => l.startsWith("Some iptables rules are missing")).length >= 2,
          )
        );
        await waitFor(async () => (await natListing(ns)).split("\n").length === 8);
        assertEquals(
          await natListing(ns),
          expectedNat("10.42.1.0/24", "10.42.0.0/16", "224.0.0.0/4"),
        );
        assertEquals(await fwdListing(ns, "ip6tables"), expectedFwdAll("fd00:42::/56"));
        const fwd = (await ns.run("iptables", ["-t", "filter", "-S", "FORWARD"])).trimEnd().split(
          "\n",
        );
        assertEquals(fwd.at(-1), "-A FORWARD -j ACCEPT", "untouched sets keep their place");
      } finally {
        ctl.abort();
        await loop;
      }
    }, "fwr"),
});

Deno.test({
  name: "iptables mode: a changed subnet recycles the old rules",
  ignore,
  fn: () =>
    withNetns(1, async (ns) => {
      const old = parseCIDR("10.42.9.0/24");
      await setupAll(firewall(ns, "iptables"), old);
      const lines: string[] = [];
      await setupAll(firewall(ns, "iptables", lines), S, { prevNetwork: N, prevSubnet: old });
      assert(lines.some((l) => l.includes("trying to recycle old iptables rules")));
      await assertIptablesListings(ns);
    }, "fwc"),
});

Deno.test({
  name:
    "cross-mode cleanup: each mode removes the other's rules (iptables chains from nat AND filter)",
  ignore,
  fn: () =>
    withNetns(1, async (ns) => {
      await setupAll(firewall(ns, "iptables"));
      await setupAll(firewall(ns, "nftables"));
      await assertNftListings(ns);
      for (const cmd of ["iptables", "ip6tables"]) {
        assertEquals((await ns.exec(cmd, ["-t", "nat", "-S", "FLANNEL-POSTRTG"])).code, 1);
        assertEquals((await ns.exec(cmd, ["-t", "filter", "-S", "FLANNEL-FWD"])).code, 1);
        const all = (await ns.run(cmd, ["-t", "nat", "-S"])) +
          (await ns.run(cmd, ["-t", "filter", "-S"]));
        assert(!all.includes("FLANNEL"), all);
      }
      await setupAll(firewall(ns, "iptables"));
      const tables = await ns.run("nft", ["list", "tables"]);
      assert(!tables.includes("flannel"), tables);
      assert(tables.includes("table ip nat"), tables);
      await assertIptablesListings(ns);
    }, "fwx"),
});

async function waitFor(cond: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("Timed out waiting for the condition");
    await new Promise((r) => setTimeout(r, 100));
  }
}
