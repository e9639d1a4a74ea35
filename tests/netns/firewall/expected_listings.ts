/**
 * The rule listings spec/flannel.md §6 gives for a subnet `s` of network `n` (multicast `mc`),
 * as `iptables -S` and `nft list chain` print them; shared by the firewall and daemon tests.
 */

/** The masquerade rules' comment, as upstream writes it. */
export const MASQ_COMMENT = `-m comment --comment "flanneld masq"`;

/** `iptables -S` of the FLANNEL lines of POSTROUTING, then of chain FLANNEL-POSTRTG. */
export function expectedNat(s: string, n: string, mc: string): string {
  const c = MASQ_COMMENT;
  return [
    `-A POSTROUTING ${c} -j FLANNEL-POSTRTG`,
    `-N FLANNEL-POSTRTG`,
    `-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 ${c} -j RETURN`,
    `-A FLANNEL-POSTRTG -s ${s} -d ${n} ${c} -j RETURN`,
    `-A FLANNEL-POSTRTG -s ${n} -d ${s} ${c} -j RETURN`,
    `-A FLANNEL-POSTRTG ! -s ${n} -d ${s} ${c} -j RETURN`,
    `-A FLANNEL-POSTRTG -s ${n} ! -d ${mc} ${c} -j MASQUERADE --random-fully`,
    `-A FLANNEL-POSTRTG ! -s ${n} -d ${n} ${c} -j MASQUERADE --random-fully`,
  ].join("\n");
}

/** `iptables -S` of the FLANNEL lines of FORWARD, then of chain FLANNEL-FWD. */
export function expectedFwd(n: string): string {
  const c = `-m comment --comment "flanneld forward"`;
  return [
    `-A FORWARD ${c} -j FLANNEL-FWD`,
    "-N FLANNEL-FWD",
    `-A FLANNEL-FWD -s ${n} ${c} -j ACCEPT`,
    `-A FLANNEL-FWD -d ${n} ${c} -j ACCEPT`,
  ].join("\n");
}

/** `nft list chain <fam> flannel-ipv4|6 postrtg`. */
export function expectedNftPostrtg(fam: "ip" | "ip6", s: string, n: string, mc: string): string {
  const table = fam === "ip" ? "flannel-ipv4" : "flannel-ipv6";
  return [
    `table ${fam} ${table} {`,
    "\tchain postrtg {",
    '\t\tcomment "chain to manage traffic masquerading by flannel"',
    "\t\ttype nat hook postrouting priority srcnat; policy accept;",
    "\t\tmeta mark 0x00004000 return",
    `\t\t${fam} saddr ${s} ${fam} daddr ${n} return`,
    `\t\t${fam} saddr ${n} ${fam} daddr ${s} return`,
    `\t\t${fam} saddr != ${s} ${fam} daddr ${n} return`,
    `\t\t${fam} saddr ${n} ${fam} daddr != ${mc} masquerade fully-random`,
    `\t\t${fam} saddr != ${n} ${fam} daddr ${n} masquerade fully-random`,
    "\t}",
    "}",
  ].join("\n");
}
