/**
 * Flannel's nftables tables, chains and rules as `nft -f -` scripts — pure.
 *
 * Design notes: the scripts say what upstream's knftables transactions say (spec/flannel.md
 * §6.5), so `nft list chain ip flannel-ipv4 postrtg|forward` prints exactly what users and
 * upstream's e2e suite expect. Each chain script declares the chain, flushes it and adds the
 * rules in ONE transaction: the kernel swaps the chain's content atomically, and running it
 * twice leaves one copy.
 *
 * Parity choice (spec §10.5): masquerade rule 4 is upstream's nftables rule
 * `ip saddr != <subnet> ip daddr <network> return`, not the iptables rule 5
 * (`! -s <network> -d <subnet>`). The difference matters only for traffic from outside the pod
 * network (e.g. the node's own address) to remote pods: nftables mode leaves it un-NATed,
 * iptables mode masquerades it (rule 7). We keep it because listings are compared verbatim and
 * a node must behave like an upstream node in the same cluster. Likewise `meta mark 0x4000`
 * is an exact match where iptables uses the mask `0x4000/0x4000`.
 */
import type { Family, IPNet } from "../ip/mod.ts";
import { MULTICAST } from "./rules.ts";

/** nft address family keyword and table name per IP family. */
export const NFT_TABLE: Readonly<Record<Family, { family: "ip" | "ip6"; name: string }>> = {
  4: { family: "ip", name: "flannel-ipv4" },
  6: { family: "ip6", name: "flannel-ipv6" },
};
export const NFT_POSTRTG_CHAIN = "postrtg";
export const NFT_FORWARD_CHAIN = "forward";
export const NFT_POSTRTG_COMMENT = "chain to manage traffic masquerading by flannel";
export const NFT_FORWARD_COMMENT = "chain to accept flannel traffic";
/** The chain upstream's dry run adds to probe `masquerade fully-random` support. */
export const NFT_TEST_CHAIN = "masqueradeTest";
const FAMILIES: readonly Family[] = [4, 6];

function tableRef(f: Family): string {
  return `${NFT_TABLE[f].family} ${NFT_TABLE[f].name}`;
}

/** `add table …` for both tables, each with upstream's comment (`rules for flannel-ipv4`). */
export function nftInitScript(): string {
  return FAMILIES.map((f) =>
    `add table ${tableRef(f)} { comment "rules for ${NFT_TABLE[f].name}" ; }\n`
  )
    .join("");
}

/** Deletes both flannel tables; the `add` first makes it succeed when they do not exist. */
export function nftDeleteTablesScript(): string {
  return FAMILIES.map((f) => `add table ${tableRef(f)}\ndelete table ${tableRef(f)}\n`).join("");
}

function chainScript(f: Family, chain: string, head: string, rules: string[]): string {
  const ref = `${tableRef(f)} ${chain}`;
  return `add table ${tableRef(f)}\n` +
    `add chain ${ref} { ${head} }\n` +
    `flush chain ${ref}\n` +
    rules.map((r) => `add rule ${ref} ${r}\n`).join("");
}

/** The rule bodies of the `postrtg` chain, in upstream order (§6.5). */
export function nftMasqRules(network: IPNet, subnet: IPNet, fullyRandom: boolean): string[] {
  const fam = NFT_TABLE[network.family].family;
  const n = network.toString(), s = subnet.toString();
  const masq = fullyRandom ? "masquerade fully-random" : "masquerade";
  return [
    "meta mark 0x4000 return",
    `${fam} saddr ${s} ${fam} daddr ${n} return`,
    `${fam} saddr ${n} ${fam} daddr ${s} return`,
    `${fam} saddr != ${s} ${fam} daddr ${n} return`,
    `${fam} saddr ${n} ${fam} daddr != ${MULTICAST[network.family]} ${masq}`,
    `${fam} saddr != ${n} ${fam} daddr ${n} ${masq}`,
  ];
}

/** The script that (re)fills the masquerade chain of `network`'s family atomically. */
export function nftMasqScript(network: IPNet, subnet: IPNet, fullyRandom: boolean): string {
  const head = `type nat hook postrouting priority srcnat ; comment "${NFT_POSTRTG_COMMENT}" ;`;
  return chainScript(
    network.family,
    NFT_POSTRTG_CHAIN,
    head,
    nftMasqRules(network, subnet, fullyRandom),
  );
}

/** The script that (re)fills the forward-accept chain of `network`'s family atomically. */
export function nftForwardScript(network: IPNet): string {
  const fam = NFT_TABLE[network.family].family;
  const n = network.toString();
  const head = `type filter hook forward priority filter ; comment "${NFT_FORWARD_COMMENT}" ;`;
  return chainScript(network.family, NFT_FORWARD_CHAIN, head, [
    `${fam} saddr ${n} accept`,
    `${fam} daddr ${n} accept`,
  ]);
}

/** Upstream's probe, run with `nft --check`: can this kernel do `masquerade fully-random`? */
export function nftRandomFullyCheckScript(): string {
  const head = "type nat hook postrouting priority srcnat ; " +
    `comment "chain to test if masquerade random fully is supported" ;`;
  return chainScript(4, NFT_TEST_CHAIN, head, ["ip saddr != 127.0.0.1 masquerade fully-random"]);
}
