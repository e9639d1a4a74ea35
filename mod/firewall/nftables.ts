/**
 * nftables mode executor: the tables `ip flannel-ipv4` / `ip6 flannel-ipv6` and their chains,
 * each applied as one atomic `nft -f -` transaction.
 *
 * Design notes: like upstream there is no periodic resync in this mode and no recycling —
 * every setup flushes and refills its chain in the same transaction, so old rules cannot
 * survive. `fully-random` is probed once with `nft --check` (nothing is committed).
 */
import type { IPNet } from "../ip/mod.ts";
import type { Logger } from "../log.ts";
import type { MasqTarget } from "./iptables.ts";
import {
  nftDeleteTablesScript,
  nftForwardScript,
  nftInitScript,
  nftMasqScript,
  nftRandomFullyCheckScript,
} from "./nft_rules.ts";
import { type CommandRunner, FirewallError } from "./runner.ts";

export interface NftablesManagerOptions {
  run: CommandRunner;
  logger: Logger;
}

const familyTag = (n: IPNet) => (n.family === 4 ? "ipv4" : "ipv6");

/** Installs flannel's nftables rules. One per agent. */
export class NftablesManager {
  readonly #run: CommandRunner;
  readonly #log: Logger;
  #randomFully: Promise<boolean> | undefined;

  constructor(opts: NftablesManagerOptions) {
    this.#run = opts.run;
    this.#log = opts.logger;
  }

  /** Creates both tables (upstream always does, whatever the enabled families). */
  async init(): Promise<void> {
    const r = await this.#nft(nftInitScript());
    if (r.code === 127) throw new FirewallError(`no nftables support: ${r.stderr.trim()}`);
    if (r.code !== 0) {
      throw new FirewallError(
        `nftables: couldn't initialise table flannel-ipv4: ${r.stderr.trim()}`,
      );
    }
  }

  /** Fills the `postrtg` chain of the target's family (§6.5). */
  async setupMasq(t: MasqTarget, fullyRandomDisable: boolean): Promise<void> {
    this.#log.info(`nftables: setting up masking rules (${familyTag(t.network)})`);
    const fullyRandom = !fullyRandomDisable && (await this.supportsRandomFully());
    const r = await this.#nft(nftMasqScript(t.network, t.subnet, fullyRandom));
    if (r.code !== 0) {
      throw new FirewallError(`nftables: couldn't setup masq rules: ${r.stderr.trim()}`);
    }
  }

  /** Fills the `forward` chain of `network`'s family (§6.5). */
  async setupForward(network: IPNet): Promise<void> {
    const v6 = network.family === 6 ? " (ipv6)" : "";
    this.#log.info(`Changing default FORWARD chain policy to ACCEPT${v6}`);
    const r = await this.#nft(nftForwardScript(network));
    if (r.code !== 0) {
      throw new FirewallError(`nftables: couldn't setup forward rules${v6}: ${r.stderr.trim()}`);
    }
  }

  /** Whether `masquerade fully-random` passes an `nft --check` dry run (probed once). */
  supportsRandomFully(): Promise<boolean> {
    this.#randomFully ??= this.#run("nft", ["--check", "-f", "-"], nftRandomFullyCheckScript())
      .then((r) => {
        if (r.code !== 0) this.#log.warn("nftables: random fully unsupported");
        return r.code === 0;
      });
    return this.#randomFully;
  }

  #nft(script: string) {
    this.#log.v(6, `nft -f - <<EOF\n${script}EOF`);
    return this.#run("nft", ["-f", "-"], script);
  }
}

/**
 * Cross-mode cleanup in iptables mode (§6.4): deletes both flannel nftables tables in one
 * transaction that also succeeds when they do not exist. Errors are logged at `-v 2`.
 */
export async function removeNftTables(run: CommandRunner, logger: Logger): Promise<void> {
  const r = await run("nft", ["-f", "-"], nftDeleteTablesScript());
  if (r.code !== 0) logger.v(2, `nftables: couldn't delete table: ${r.stderr.trim()}`);
}
