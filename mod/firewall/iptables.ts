/**
 * iptables mode executor: installs flannel's rule sets with `iptables-restore --noflush`,
 * recycles rules of a previous network/subnet, checks and repairs them on resync.
 *
 * Design notes: existence checks read each chain once with `iptables -S <chain>` and compare
 * lines with what the plan renders; a rule not found textually is confirmed with
 * `iptables -C` (upstream's check) before it counts as missing, so a listing that formats a
 * rule differently can never make us duplicate a jump or re-bootstrap forever. Steady state
 * costs two spawns per rule set per resync. Deleting each existing copy of the jump rule
 * before appending it keeps one copy at the end of `POSTROUTING`/`FORWARD`.
 */
import type { Family, IPNet } from "../ip/mod.ts";
import type { Logger } from "../log.ts";
import {
  atLeast162,
  bootstrapPayload,
  FORWARD_CHAIN,
  type IptRule,
  type IptTable,
  listingLine,
  MASQ_CHAIN,
  parseIptablesVersion,
  planForwardRules,
  planMasqRules,
  removeChainPayload,
  type RuleSet,
  teardownPayload,
} from "./rules.ts";
import { type CommandRunner, FirewallError, runChecked } from "./runner.ts";

/** This node's masquerade inputs for one family, with the previous run's subnet.env values. */
export interface MasqTarget {
  network: IPNet;
  subnet: IPNet;
  /** `FLANNEL_NETWORK` / `FLANNEL_IPV6_NETWORK` from the old subnet.env, when there was one. */
  prevNetwork?: IPNet | undefined;
  /** `FLANNEL_SUBNET` / `FLANNEL_IPV6_SUBNET` from the old subnet.env (host bits masked). */
  prevSubnet?: IPNet | undefined;
}

interface Tools {
  iptables: string;
  restore: string;
  /** `--wait` for every call (iptables ≥ 1.6.2). */
  wait: string[];
  randomFully: boolean;
}

const BINARIES: Readonly<Record<Family, [string, string]>> = {
  4: ["iptables", "iptables-restore"],
  6: ["ip6tables", "ip6tables-restore"],
};

export interface IptablesManagerOptions {
  run: CommandRunner;
  logger: Logger;
}

/** Installs and keeps flannel's iptables/ip6tables rules. One per agent. */
export class IptablesManager {
  readonly #run: CommandRunner;
  readonly #log: Logger;
  readonly #tools = new Map<Family, Promise<Tools>>();
  /** Installed rule sets by `family/chain`, re-checked on every resync. */
  readonly #sets = new Map<string, RuleSet>();

  constructor(opts: IptablesManagerOptions) {
    this.#run = opts.run;
    this.#log = opts.logger;
  }

  /** The rule sets installed so far (what a resync checks). */
  get ruleSets(): RuleSet[] {
    return [...this.#sets.values()];
  }

  /** Masquerade rules for one family (§6.1), recycling the previous run's rules first (§6.2). */
  async setupMasq(t: MasqTarget, fullyRandomDisable: boolean): Promise<void> {
    const tools = await this.#toolsFor(t.network.family);
    const randomFully = tools.randomFully && !fullyRandomDisable;
    const { prevNetwork: pn, prevSubnet: ps } = t;
    if (pn && ps && pn.family === t.network.family && ps.family === t.network.family) {
      if (!t.network.equals(pn) || !t.subnet.equals(ps)) {
        this.#log.info(
          `Current network or subnet (${t.network}, ${t.subnet}) is not equal to previous one ` +
            `(${pn}, ${ps}), trying to recycle old iptables rules`,
        );
        await this.teardown(planMasqRules(pn, ps, randomFully));
      }
    }
    this.#log.info(
      t.network.family === 4 ? "Setting up masking rules" : "Setting up masking rules for IPv6",
    );
    await this.#install(planMasqRules(t.network, t.subnet, randomFully));
  }

  /** Forward-accept rules for one network (§6.3). */
  async setupForward(network: IPNet): Promise<void> {
    const v6 = network.family === 6 ? "IPv6: " : "";
    this.#log.info(`${v6}Changing default FORWARD chain policy to ACCEPT`);
    await this.#install(planForwardRules(network));
  }

  async #install(set: RuleSet): Promise<void> {
    this.#sets.set(`${set.family}/${set.chain}`, set);
    await this.bootstrap(set);
  }

  /** (Re)installs `set` in one restore transaction; running it twice changes nothing. */
  async bootstrap(set: RuleSet): Promise<void> {
    const tools = await this.#toolsFor(set.family);
    // No flannel chain: no rule can jump to it (and `iptables -C` would fail on the target).
    const chainExists = (await this.#list(tools, set.table, set.chain)) !== null;
    const copies = new Map<IptRule, number>();
    for (const r of set.rules) {
      if (r.chain === set.chain || !chainExists) continue;
      const listing = (await this.#list(tools, r.table, r.chain)) ?? [];
      let n = listing.filter((l) => l === listingLine(r)).length;
      if (n === 0 && (await this.#check(tools, r))) n = 1;
      copies.set(r, n);
    }
    await this.#restore(tools, bootstrapPayload(set, (r) => copies.get(r) ?? 0));
    this.#log.info("bootstrap done");
  }

  /** Deletes the rules of `set` that exist, in one transaction (recycling, §6.2). */
  async teardown(set: RuleSet): Promise<void> {
    const tools = await this.#toolsFor(set.family);
    const missing = new Set(await this.missingRules(set));
    const present = set.rules.filter((r) => !missing.has(r));
    if (present.length > 0) await this.#restore(tools, teardownPayload(present));
  }

  /** The rules of `set` that are not in the kernel (a missing chain misses all its rules). */
  async missingRules(set: RuleSet): Promise<IptRule[]> {
    const tools = await this.#toolsFor(set.family);
    const own = await this.#list(tools, set.table, set.chain);
    if (own === null) return [...set.rules];
    const listings = new Map<string, string[]>([[set.chain, own]]);
    const missing: IptRule[] = [];
    for (const r of set.rules) {
      let listing = listings.get(r.chain);
      if (!listing) {
        listings.set(r.chain, listing = (await this.#list(tools, r.table, r.chain)) ?? []);
      }
      if (!listing.includes(listingLine(r)) && !(await this.#check(tools, r))) missing.push(r);
    }
    return missing;
  }

  /** Checks one rule set and re-bootstraps it when anything is missing; true if it did. */
  async ensure(set: RuleSet): Promise<boolean> {
    if ((await this.missingRules(set)).length === 0) return false;
    this.#log.info("Some iptables rules are missing; deleting and recreating rules");
    await this.bootstrap(set);
    return true;
  }

  /** One resync pass over every installed set; errors are logged, never thrown. */
  async resyncOnce(): Promise<void> {
    for (const set of this.#sets.values()) {
      try {
        await this.ensure(set);
      } catch (err) {
        this.#log.error(`Failed to ensure iptables rules: ${(err as Error).message}`);
      }
    }
  }

  #toolsFor(family: Family): Promise<Tools> {
    let p = this.#tools.get(family);
    if (!p) {
      p = probeTools(this.#run, family);
      this.#tools.set(family, p);
      p.catch(() => this.#tools.delete(family)); // retry the probe next time
    }
    return p;
  }

  /** `iptables -S <chain>` lines, or null when the chain does not exist (exit 1). */
  async #list(tools: Tools, table: IptTable, chain: string): Promise<string[] | null> {
    const r = await this.#run(tools.iptables, [...tools.wait, "-t", table, "-S", chain]);
    if (r.code === 1) return null;
    if (r.code !== 0) {
      throw new FirewallError(`Cannot list chain "${table}/${chain}": ${r.stderr.trim()}`);
    }
    return r.stdout.split("\n").filter((l) => l !== "");
  }

  /** `iptables -C`: exit 0 exists, exit 1 does not, anything else is an error. */
  async #check(tools: Tools, r: IptRule): Promise<boolean> {
    const res = await this.#run(tools.iptables, [
      ...tools.wait,
      "-t",
      r.table,
      "-C",
      r.chain,
      ...r.spec,
    ]);
    if (res.code === 0 || res.code === 1) return res.code === 0;
    throw new FirewallError(`Failed to check rule existence: ${res.stderr.trim()}`);
  }

  async #restore(tools: Tools, payload: string): Promise<void> {
    this.#log.v(6, `trying to run with payload ${payload}`);
    await runChecked(this.#run, tools.restore, ["--noflush", ...tools.wait], payload);
  }
}

/** Finds the iptables version (for `--wait` and `--random-fully` support). */
async function probeTools(run: CommandRunner, family: Family): Promise<Tools> {
  const [iptables, restore] = BINARIES[family];
  const r = await run(iptables, ["--version"]);
  const v = r.code === 0 ? parseIptablesVersion(r.stdout + r.stderr) : null;
  if (!v) {
    throw new FirewallError(
      `Cannot use "${iptables}": ${r.code === 0 ? "no version in its output" : r.stderr.trim()}`,
    );
  }
  const modern = atLeast162(v);
  return { iptables, restore, wait: modern ? ["--wait"] : [], randomFully: modern };
}

/**
 * Cross-mode cleanup in nftables mode (§6.4): removes `FLANNEL-POSTRTG` from `nat` and
 * `FLANNEL-FWD` from `filter` — with the jumps into them — for iptables and ip6tables.
 * Upstream looks for FLANNEL-FWD in `nat` (wrong table) and cannot delete a chain that is
 * still jumped to; both are fixed here. Problems (no iptables at all) are logged at `-v 2`.
 */
export async function removeIptablesChains(run: CommandRunner, logger: Logger): Promise<void> {
  const targets: [IptTable, string, string][] = [
    ["nat", "POSTROUTING", MASQ_CHAIN],
    ["filter", "FORWARD", FORWARD_CHAIN],
  ];
  for (const family of [4, 6] as const) {
    const [iptables, restore] = BINARIES[family];
    for (const [table, builtin, chain] of targets) {
      try {
        const exists = await run(iptables, ["--wait", "-t", table, "-S", chain]);
        if (exists.code === 1) continue; // no such chain: nothing to clean
        if (exists.code !== 0) throw new FirewallError(exists.stderr.trim());
        const jumps = (await runChecked(run, iptables, ["--wait", "-t", table, "-S", builtin]))
          .split("\n").filter((l) => l.startsWith("-A ") && l.endsWith(` -j ${chain}`));
        await runChecked(
          run,
          restore,
          ["--noflush", "--wait"],
          removeChainPayload(table, chain, jumps),
        );
      } catch (err) {
        logger.v(2, `could not clean-up ${chain} (IPv${family}): ${(err as Error).message}`);
      }
    }
  }
}
