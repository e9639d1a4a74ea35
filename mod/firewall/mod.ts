/**
 * Masquerade and forward rules: the agent's start-up steps 12–14 (spec/flannel.md §1.5, §6)
 * behind one object, plus the br_netfilter prerequisite (step 8).
 *
 * @example
 * ```ts
 * const fw = new Firewall({ mode: config.enableNFTables ? "nftables" : "iptables", logger });
 * await fw.setup({
 *   masq: { targets: [{ network, subnet, prevNetwork, prevSubnet }], fullyRandomDisable: false },
 *   forwardNetworks: [network],
 * });
 * fw.startResync(opts.iptablesResync, signal); // iptables mode only; a no-op for nftables
 * ```
 *
 * Design notes: rules stay in place when the agent stops (a restart must not cut pod egress);
 * the other mode's leftovers are removed at start instead, as upstream does since v0.27.0.
 * Masquerade failures are fatal (`Failed to setup masq rules`), forward-rule failures are
 * only logged — upstream's split.
 */
import { systemClock } from "../clock.ts";
import { FlannelError } from "../errors.ts";
import type { IPNet } from "../ip/mod.ts";
import { type Logger, silentLogger } from "../log.ts";
import { IptablesManager, type MasqTarget, removeIptablesChains } from "./iptables.ts";
import { NftablesManager, removeNftTables } from "./nftables.ts";
import { type CommandRunner, createRunner, FirewallError } from "./runner.ts";

export type { MasqTarget } from "./iptables.ts";
export { FirewallError } from "./runner.ts";
export type { CommandResult, CommandRunner } from "./runner.ts";
export { createRunner, netnsRunner } from "./runner.ts";

/** `iptables` unless the network config says `EnableNFTables: true`. */
export type FirewallMode = "iptables" | "nftables";

export interface FirewallOptions {
  mode: FirewallMode;
  /** Runs nft/iptables; defaults to spawning them here. Tests pass a netns or a fake runner. */
  run?: CommandRunner;
  logger?: Logger;
  /** Waits `ms` or until `signal` aborts (default: `systemClock.sleep`; tests inject a fast one). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** What to install: `masq` only with `--ip-masq`, `forwardNetworks` only with forward rules on. */
export interface FirewallSetup {
  masq?: { targets: MasqTarget[]; fullyRandomDisable?: boolean } | undefined;
  forwardNetworks?: IPNet[] | undefined;
}

/** The traffic manager of one agent. */
export class Firewall {
  readonly mode: FirewallMode;
  readonly #run: CommandRunner;
  readonly #log: Logger;
  readonly #sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly #ipt: IptablesManager | undefined;
  readonly #nft: NftablesManager | undefined;

  constructor(opts: FirewallOptions) {
    this.mode = opts.mode;
    this.#run = opts.run ?? createRunner();
    this.#log = opts.logger ?? silentLogger;
    this.#sleep = opts.sleep ?? systemClock.sleep;
    const deps = { run: this.#run, logger: this.#log };
    if (opts.mode === "iptables") this.#ipt = new IptablesManager(deps);
    else this.#nft = new NftablesManager(deps);
  }

  /** Steps 12–14: clean the other mode, init this one, masquerade rules, forward rules. */
  async setup(s: FirewallSetup): Promise<void> {
    await this.cleanupOther();
    await this.init();
    if (s.masq) await this.setupMasq(s.masq.targets, s.masq.fullyRandomDisable ?? false);
    if (s.forwardNetworks) await this.setupForward(s.forwardNetworks);
  }

  /** Removes the rules the other mode would have installed (never throws). */
  async cleanupOther(): Promise<void> {
    this.#log.info("Cleaning-up unused traffic manager rules");
    if (this.mode === "iptables") await removeNftTables(this.#run, this.#log);
    else await removeIptablesChains(this.#run, this.#log);
  }

  /** Logs the mode; nftables mode creates both tables (failure is fatal). */
  async init(): Promise<void> {
    this.#log.info(`Starting flannel in ${this.mode} mode...`);
    await this.#nft?.init();
  }

  /** Masquerade rules for each target with a non-empty network; throws on failure. */
  async setupMasq(targets: readonly MasqTarget[], fullyRandomDisable = false): Promise<void> {
    try {
      for (const t of targets) {
        if (t.network.isEmpty()) continue;
        await (this.#ipt ?? this.#nft)!.setupMasq(t, fullyRandomDisable);
      }
    } catch (err) {
      throw new FirewallError(`Failed to setup masq rules: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  /** Forward-accept rules for each non-empty network; failures are logged only. */
  async setupForward(networks: readonly IPNet[]): Promise<void> {
    for (const n of networks) {
      if (n.isEmpty()) continue;
      try {
        await (this.#ipt ?? this.#nft)!.setupForward(n);
      } catch (err) {
        this.#log.error(`Failed to setup forward rules: ${(err as Error).message}`);
      }
    }
  }

  /** One resync pass (iptables mode): re-bootstraps any rule set with a missing part. */
  async resyncOnce(): Promise<void> {
    await this.#ipt?.resyncOnce();
  }

  /**
   * Checks and repairs the rules every `periodSeconds` until `signal` aborts (iptables mode;
   * nftables mode has no resync and resolves at once). Never rejects.
   */
  async startResync(periodSeconds: number, signal: AbortSignal): Promise<void> {
    if (!this.#ipt) return;
    const ms = Math.max(1, periodSeconds) * 1000;
    while (!signal.aborted) {
      await this.#sleep(ms, signal);
      if (signal.aborted) break;
      await this.#ipt.resyncOnce();
    }
  }
}

/** The kernel's bridge netfilter module is missing (iptables mode needs it). */
export class BrNetfilterError extends FlannelError {
  override name = "BrNetfilterError";
  constructor(message: string) {
    super("EBRNETFILTER", message);
  }
}

/** Files that exist only while `br_netfilter` is loaded. */
export const BR_NETFILTER_FILES = {
  4: "/proc/sys/net/bridge/bridge-nf-call-iptables",
  6: "/proc/sys/net/bridge/bridge-nf-call-ip6tables",
} as const;

/**
 * Step 8: unless nftables mode, each enabled family's bridge-nf-call file must exist, so
 * bridged pod traffic passes iptables. Throws {@linkcode BrNetfilterError} otherwise.
 */
export function checkBrNetfilter(opts: {
  enableIPv4: boolean;
  enableIPv6: boolean;
  enableNFTables: boolean;
  exists?: (path: string) => boolean;
}): void {
  if (opts.enableNFTables) return;
  const exists = opts.exists ?? fileExists;
  for (const f of [4, 6] as const) {
    if (!(f === 4 ? opts.enableIPv4 : opts.enableIPv6)) continue;
    const path = BR_NETFILTER_FILES[f];
    if (!exists(path)) {
      throw new BrNetfilterError(
        `Failed to check br_netfilter: stat ${path}: no such file or directory ` +
          `(load the kernel module with "modprobe br_netfilter", or set "EnableNFTables": true)`,
      );
    }
  }
}

function fileExists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
