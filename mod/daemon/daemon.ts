/**
 * What makes the agent a daemon an operator can trust, as hooks for mod/agent's lifecycle:
 * the br_netfilter prerequisite, the traffic rules and their loops, `/healthz` and `/readyz`,
 * and systemd's `READY=1` (spec/flannel.md §1.5 steps 5, 8, 12–18, §7).
 *
 * @example
 * ```ts
 * const daemon = await Daemon.start(deps);          // health server up, /readyz 503
 * const status = await runAgent({ ...agentDeps, ...daemon.hooks() }, signal);
 * await daemon.close();                             // loops stopped, health server closed
 * ```
 *
 * Design notes: readiness is one flag owned here, set by `onReady` — which the agent calls
 * only after `beforeReady` installed the rules and subnet.env was written — so `/readyz`
 * cannot turn 200 early. `READY=1` goes out from `onRunning` (after "Running backend."), and
 * a failed notification is only logged, as upstream. Everything with effects is injected.
 */
import type { NetworkConfig } from "../config/net_conf.ts";
import { errorText } from "../errors.ts";
import type { HealthServer, HealthServerOptions } from "../http/health.ts";
import type { Lease } from "../lease/types.ts";
import { installTraffic, type TrafficDeps, type TrafficOptions } from "./traffic.ts";

export interface DaemonOptions extends TrafficOptions {
  readonly healthzIP: string;
  /** 0 (or less) disables the health server. */
  readonly healthzPort: number;
}

export interface DaemonDeps extends Omit<TrafficDeps, "options"> {
  options: DaemonOptions;
  /** Throws when the kernel lacks what the chosen firewall mode needs (br_netfilter). */
  checkPrerequisites(config: NetworkConfig): void;
  startHealthServer(opts: HealthServerOptions): Promise<HealthServer>;
  /** Sends `READY=1` when run by systemd; resolves false when not. */
  notifyReady(): Promise<boolean>;
}

/** The state the hooks read (mod/agent's `AgentState` fits). */
export interface DaemonState {
  config: NetworkConfig;
  lease: Pick<Lease, "subnet" | "ipv6Subnet">;
}

/** The hooks mod/agent's lifecycle calls. */
export interface DaemonHooks {
  beforeReady(state: DaemonState, signal: AbortSignal): Promise<void>;
  onReady(state: DaemonState): void;
  onRunning(state: DaemonState): void;
}

export class Daemon {
  readonly #d: DaemonDeps;
  readonly #health: HealthServer | null;
  readonly #pending: Promise<unknown>[] = [];
  #ready = false;

  private constructor(d: DaemonDeps, health: HealthServer | null) {
    this.#d = d;
    this.#health = health;
  }

  /** Starts the health server when `--healthz-port` > 0; rejects when it cannot listen. */
  static async start(d: DaemonDeps): Promise<Daemon> {
    const o = d.options;
    let daemon: Daemon | null = null;
    const health = o.healthzPort > 0
      ? await d.startHealthServer({
        ip: o.healthzIP,
        port: o.healthzPort,
        isReady: () => daemon?.ready ?? false,
        logger: d.logger,
      })
      : null;
    daemon = new Daemon(d, health);
    return daemon;
  }

  /** True once the rules are installed and subnet.env is written (`/readyz` 200). */
  get ready(): boolean {
    return this.#ready;
  }

  /** The health server's port (null when disabled). */
  get healthPort(): number | null {
    return this.#health?.port ?? null;
  }

  /** Step 8, run as soon as the network config is known. */
  checkPrerequisites(config: NetworkConfig): void {
    this.#d.checkPrerequisites(config);
  }

  hooks(): DaemonHooks {
    return {
      beforeReady: async (s, signal) => {
        const { loops } = await installTraffic(this.#d, s.config, s.lease, signal);
        this.#pending.push(loops);
      },
      onReady: () => {
        this.#ready = true;
      },
      onRunning: () => {
        const sent = this.#d.notifyReady().catch((err) => {
          this.#d.logger.error(`Failed to notify systemd the daemon is ready: ${errorText(err)}`);
        });
        this.#pending.push(sent);
      },
    };
  }

  /** Waits for the loops (they end with the agent's signal) and closes the health server. */
  async close(): Promise<void> {
    await Promise.allSettled(this.#pending);
    await this.#health?.close();
  }
}
