import {
  nftDeleteTablesScript,
  nftForwardScript,
  nftInitScript,
  nftMasqRules,
  nftMasqScript,
  nftRandomFullyCheckScript,
} from "../../../mod/firewall/nft_rules.ts";
import { parseCIDR } from "../../../mod/ip/mod.ts";
import { assertEquals } from "../../harness/assert.ts";

const N = parseCIDR("10.42.0.0/16");
const S = parseCIDR("10.42.1.0/24");

Deno.test("nftInitScript() adds both tables with upstream's comments", () => {
  assertEquals(
    nftInitScript(),
    `add table ip flannel-ipv4 { comment "rules for flannel-ipv4" ; }\n` +
      `add table ip6 flannel-ipv6 { comment "rules for flannel-ipv6" ; }\n`,
  );
});

Deno.test("nftDeleteTablesScript() deletes both tables even when absent", () => {
  assertEquals(
    nftDeleteTablesScript(),
    "add table ip flannel-ipv4\ndelete table ip flannel-ipv4\n" +
      "add table ip6 flannel-ipv6\ndelete table ip6 flannel-ipv6\n",
  );
});

Deno.test("nftMasqRules() keeps upstream's order, rule 4 and exact mark (spec §6.5)", () => {
  assertEquals(nftMasqRules(N, S, true), [
    "meta mark 0x4000 return",
    "ip saddr 10.42.1.0/24 ip daddr 10.42.0.0/16 return",
    "ip saddr 10.42.0.0/16 ip daddr 10.42.1.0/24 return",
    "ip saddr != 10.42.1.0/24 ip daddr 10.42.0.0/16 return",
    "ip saddr 10.42.0.0/16 ip daddr != 224.0.0.0/4 masquerade fully-random",
    "ip saddr != 10.42.0.0/16 ip daddr 10.42.0.0/16 masquerade fully-random",
  ]);
  const v6 = nftMasqRules(parseCIDR("fd00:42::/56"), parseCIDR("fd00:42:0:1::/64"), false);
  assertEquals(v6.slice(3), [
    "ip6 saddr != fd00:42:0:1::/64 ip6 daddr fd00:42::/56 return",
    "ip6 saddr fd00:42::/56 ip6 daddr != ff00::/8 masquerade",
    "ip6 saddr != fd00:42::/56 ip6 daddr fd00:42::/56 masquerade",
  ]);
});

Deno.test("nftMasqScript() declares, flushes and fills the chain in one transaction", () => {
  const lines = nftMasqScript(N, S, true).split("\n");
  assertEquals(lines.slice(0, 4), [
    "add table ip flannel-ipv4",
    `add chain ip flannel-ipv4 postrtg { type nat hook postrouting priority srcnat ; ` +
    `comment "chain to manage traffic masquerading by flannel" ; }`,
    "flush chain ip flannel-ipv4 postrtg",
    "add rule ip flannel-ipv4 postrtg meta mark 0x4000 return",
  ]);
  assertEquals(lines.length, 3 + 6 + 1);
});

Deno.test("nftForwardScript() accepts the network both ways, per family", () => {
  assertEquals(
    nftForwardScript(parseCIDR("fd00:42::/56")),
    "add table ip6 flannel-ipv6\n" +
      `add chain ip6 flannel-ipv6 forward { type filter hook forward priority filter ; ` +
      `comment "chain to accept flannel traffic" ; }\n` +
      "flush chain ip6 flannel-ipv6 forward\n" +
      "add rule ip6 flannel-ipv6 forward ip6 saddr fd00:42::/56 accept\n" +
      "add rule ip6 flannel-ipv6 forward ip6 daddr fd00:42::/56 accept\n",
  );
});

Deno.test("nftRandomFullyCheckScript() probes upstream's masqueradeTest chain", () => {
  const s = nftRandomFullyCheckScript();
  assertEquals(
    s.split("\n").at(-2),
    "add rule ip flannel-ipv4 masqueradeTest ip saddr != 127.0.0.1 masquerade fully-random",
  );
});
