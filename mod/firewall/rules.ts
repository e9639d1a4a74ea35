/**
 * Flannel's iptables rule sets and the `iptables-restore` payloads that apply them — pure.
 *
 * Design notes: rules are upstream's (spec/flannel.md §6.1, §6.3) word for word, because the
 * e2e suite and users compare `iptables -S` listings exactly; a rule's `spec` renders to the
 * same text `iptables -S` prints (`--comment "flanneld masq"` quoted). IPv4 and IPv6 share one
 * plan: only the multicast range differs (`224.0.0.0/4` / `ff00::/8`).
 *
 * Applying (see {@linkcode bootstrapPayload}) differs from upstream in one way: upstream
 * flushes the flannel chain with a separate `iptables -N/-F` before its restore, which leaves
 * a moment with an empty chain (pod egress un-NATed); here the chain declaration
 * `:FLANNEL-POSTRTG - [0:0]` inside the same `iptables-restore --noflush` transaction flushes
 * it, so the whole set changes atomically. The end state is the same.
 */
import type { Family, IPNet } from "../ip/mod.ts";

/** The flannel chains, their tables and the built-in chains that jump to them. */
export const MASQ_CHAIN = "FLANNEL-POSTRTG";
export const FORWARD_CHAIN = "FLANNEL-FWD";
export const MASQ_COMMENT = "flanneld masq";
export const FORWARD_COMMENT = "flanneld forward";
/** kube-proxy's masquerade mark: such packets are left to kube-proxy (no double NAT). */
export const KUBE_PROXY_MARK = "0x4000/0x4000";
export const MULTICAST: Readonly<Record<Family, string>> = { 4: "224.0.0.0/4", 6: "ff00::/8" };

export type IptTable = "nat" | "filter";

/** One rule: `-A <chain> <spec…>` in `table`. */
export interface IptRule {
  readonly table: IptTable;
  readonly chain: string;
  readonly spec: readonly string[];
}

/** A rule set owned by flannel: its own chain plus the jump into it from a built-in chain. */
export interface RuleSet {
  readonly family: Family;
  readonly table: IptTable;
  /** The flannel-owned chain (flushed and refilled on every bootstrap). */
  readonly chain: string;
  readonly rules: readonly IptRule[];
}

function masq(table: IptTable, chain: string, ...spec: string[]): IptRule {
  return { table, chain, spec: [...spec, "-m", "comment", "--comment", MASQ_COMMENT] };
}

/**
 * The masquerade rules for pod network `network` and this node's lease `subnet` (§6.1).
 * `randomFully` appends `--random-fully` to both MASQUERADE rules.
 */
export function planMasqRules(network: IPNet, subnet: IPNet, randomFully: boolean): RuleSet {
  const n = network.toString(), s = subnet.toString();
  const masqTarget = randomFully ? ["MASQUERADE", "--random-fully"] : ["MASQUERADE"];
  const withTarget = (r: IptRule, ...target: string[]): IptRule => ({
    ...r,
    spec: [...r.spec, "-j", ...target],
  });
  const rules = [
    withTarget(masq("nat", "POSTROUTING"), MASQ_CHAIN),
    withTarget(masq("nat", MASQ_CHAIN, "-m", "mark", "--mark", KUBE_PROXY_MARK), "RETURN"),
    withTarget(masq("nat", MASQ_CHAIN, "-s", s, "-d", n), "RETURN"),
    withTarget(masq("nat", MASQ_CHAIN, "-s", n, "-d", s), "RETURN"),
    withTarget(masq("nat", MASQ_CHAIN, "!", "-s", n, "-d", s), "RETURN"),
    withTarget(
      masq("nat", MASQ_CHAIN, "-s", n, "!", "-d", MULTICAST[network.family]),
      ...masqTarget,
    ),
    withTarget(masq("nat", MASQ_CHAIN, "!", "-s", n, "-d", n), ...masqTarget),
  ];
  return { family: network.family, table: "nat", chain: MASQ_CHAIN, rules };
}

/** The forward-accept rules for pod network `network` (§6.3). */
export function planForwardRules(network: IPNet): RuleSet {
  const n = network.toString();
  const c = ["-m", "comment", "--comment", FORWARD_COMMENT];
  const rules: IptRule[] = [
    { table: "filter", chain: "FORWARD", spec: [...c, "-j", FORWARD_CHAIN] },
    { table: "filter", chain: FORWARD_CHAIN, spec: ["-s", n, ...c, "-j", "ACCEPT"] },
    { table: "filter", chain: FORWARD_CHAIN, spec: ["-d", n, ...c, "-j", "ACCEPT"] },
  ];
  return { family: network.family, table: "filter", chain: FORWARD_CHAIN, rules };
}

/** Renders rule arguments as `iptables -S` and `iptables-restore` write them. */
export function renderSpec(args: readonly string[]): string {
  return args.map((a, i) => (i > 0 && args[i - 1] === "--comment" ? `"${a}"` : a)).join(" ");
}

/** The `iptables -S` line of a rule: `-A <chain> <spec>`. */
export function listingLine(rule: IptRule): string {
  return renderSpec(["-A", rule.chain, ...rule.spec]);
}

/** One line of a restore payload, in its table. */
export interface RestoreLine {
  readonly table: IptTable;
  readonly args: readonly string[];
}

/**
 * An `iptables-restore` payload: lines grouped per table (in first-seen order) as
 * `*<table>` … `COMMIT`, the argument after `--comment` in double quotes (§6.2).
 */
export function restorePayload(lines: readonly RestoreLine[]): string {
  const byTable = new Map<IptTable, string[]>();
  for (const l of lines) {
    const list = byTable.get(l.table) ?? [];
    list.push(renderSpec(l.args));
    byTable.set(l.table, list);
  }
  let out = "";
  for (const [table, body] of byTable) out += `*${table}\n${body.join("\n")}\nCOMMIT\n`;
  return out;
}

/**
 * The transaction that (re)installs `set` atomically: declare (create or flush) the flannel
 * chain, delete each existing copy of the jump rules (`jumpCopies[i]` = how many times rule i
 * of the built-in chain is present), then append everything. Deleting before appending moves
 * the jump to the end of `POSTROUTING`/`FORWARD`, as upstream does.
 */
export function bootstrapPayload(set: RuleSet, jumpCopies: (rule: IptRule) => number): string {
  const lines: RestoreLine[] = [{ table: set.table, args: [`:${set.chain}`, "-", "[0:0]"] }];
  for (const r of set.rules) {
    if (r.chain === set.chain) continue;
    for (let i = 0; i < jumpCopies(r); i++) {
      lines.push({ table: r.table, args: ["-D", r.chain, ...r.spec] });
    }
  }
  for (const r of set.rules) lines.push({ table: r.table, args: ["-A", r.chain, ...r.spec] });
  return restorePayload(lines);
}

/** The transaction that deletes the rules of `rules` that exist (recycling, §6.2). */
export function teardownPayload(rules: readonly IptRule[]): string {
  return restorePayload(rules.map((r) => ({ table: r.table, args: ["-D", r.chain, ...r.spec] })));
}

/**
 * The transaction that removes a flannel chain and every jump to it, given the current
 * `iptables -S <builtin>` listing lines that jump there (cross-mode cleanup, §6.4).
 */
export function removeChainPayload(table: IptTable, chain: string, jumpLines: string[]): string {
  const lines: RestoreLine[] = jumpLines.map((l) => ({
    table,
    args: ["-D", ...splitListingLine(l).slice(1)],
  }));
  lines.push({ table, args: ["-F", chain] }, { table, args: ["-X", chain] });
  return restorePayload(lines);
}

/** Splits an `iptables -S` line into arguments (double-quoted arguments kept whole). */
export function splitListingLine(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)) out.push(m[1] ?? m[2] ?? "");
  return out;
}

/** `iptables v1.8.9 (nf_tables)` → [1, 8, 9]; null when no version is found. */
export function parseIptablesVersion(text: string): [number, number, number] | null {
  const m = text.match(/v(\d+)\.(\d+)\.(\d+)/);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

/**
 * Whether this iptables version has `--wait` for restore and `--random-fully` (both ≥ 1.6.2,
 * the checks go-iptables and upstream make).
 */
export function atLeast162(v: readonly [number, number, number]): boolean {
  const [a, b, c] = v;
  return a > 1 || (a === 1 && (b > 6 || (b === 6 && c >= 2)));
}
