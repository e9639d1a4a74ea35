/**
 * The sandbox behind `deno task demo` and `deno task dev`: a flannel cluster of network
 * namespaces on this machine, built from the lab cluster (scripts/lab/cluster.ts: switch
 * namespace with a bridge, hosts on the 198.18.0.0/24 underlay, unique names per run), one
 * real agent per host on the embedded local store (or a real etcd), and pods wired through our
 * own CNI mode.
 *
 * @example
 * ```ts
 * const sb = await Sandbox.create({ backend: "vxlan", store: "local" });
 * try {
 *   await sb.startAgents();
 *   await sb.addPods();
 * } finally {
 *   await sb.destroy(); // agents stopped, namespaces and temp files removed
 * }
 * ```
 *
 * Design notes: agents get `--ip-masq`, a health port and the deployed V8 flags (the lab's
 * agent wrapper, scripts/lab/agent_process.ts), as the stock DaemonSet runs them.
 * iptables mode needs br_netfilter; without it the network config asks for nftables mode and
 * says so. Everything the agents and the CNI plugin write goes to temp directories that
 * {@linkcode Sandbox.destroy} removes.
 */
import { AgentProcess } from "../lab/agent_process.ts";
import { Cluster, type Host } from "../lab/cluster.ts";
import { EtcdServer } from "../lab/etcd.ts";
import { createNetns, type Netns } from "../lab/netns.ts";
import { flannelPluginConf, resultAddress, runCni } from "./cni.ts";

export type BackendName = "vxlan" | "host-gw";
export type StoreName = "local" | "etcd";

/** PURE: `--backend` and `--store` of demo and dev checked, or the complaint to print. */
export function sandboxChoice(
  backend: string,
  store: string,
): { backend: BackendName; store: StoreName } | string {
  if (backend !== "vxlan" && backend !== "host-gw") {
    return `unknown backend "${backend}" (vxlan or host-gw)`;
  }
  if (store !== "local" && store !== "etcd") return `unknown store "${store}" (local or etcd)`;
  return { backend, store };
}

export interface SandboxOptions {
  backend: BackendName;
  store: StoreName;
  hosts?: number;
  podsPerHost?: number;
  /** Each agent output line, with its host number (dev prints them). */
  onAgentLine?: (host: number, line: string) => void;
}

/** A pod: a namespace wired by the CNI plugin on its host. */
export interface Pod {
  /** `h1-a`, `h1-b`, … */
  name: string;
  host: Host;
  ns: Netns;
  ip: string;
}

/** The health port every agent listens on inside its namespace. */
export const HEALTHZ_PORT = 10256;
/** An agent still running this long after SIGTERM is killed (a clean exit takes ≪ 1 s). */
export const STOP_GRACE_MS = 5000;
const BR_NETFILTER = "/proc/sys/net/bridge/bridge-nf-call-iptables";

export class Sandbox {
  readonly cluster: Cluster;
  readonly opts: Required<Omit<SandboxOptions, "onAgentLine">> & SandboxOptions;
  readonly dir: string;
  readonly etcd: EtcdServer | null;
  /** True when br_netfilter is missing and the config asks for nftables mode. */
  readonly nftables: boolean;
  readonly agents = new Map<number, AgentProcess>();
  readonly pods: Pod[] = [];
  readonly #extraNs: Netns[] = [];

  private constructor(c: Cluster, o: Sandbox["opts"], dir: string, etcd: EtcdServer | null) {
    this.cluster = c;
    this.opts = o;
    this.dir = dir;
    this.etcd = etcd;
    this.nftables = !exists(BR_NETFILTER);
  }

  /** Builds namespaces and the store; on failure removes what it made. */
  static async create(opts: SandboxOptions): Promise<Sandbox> {
    const o = { hosts: 3, podsPerHost: 2, ...opts };
    const dir = await Deno.makeTempDir({ prefix: "flannel-sandbox-" });
    let cluster: Cluster | null = null;
    let etcd: EtcdServer | null = null;
    try {
      cluster = await Cluster.create({ hosts: o.hosts, ipv6: false, prefix: "fd" });
      if (o.store === "etcd") etcd = await EtcdServer.start({ unixSocket: true });
      const sb = new Sandbox(cluster, o, dir, etcd);
      await sb.#writeConfig();
      return sb;
    } catch (err) {
      await cluster?.destroy();
      await etcd?.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      throw err;
    }
  }

  /** The network config every agent reads. */
  get networkConfig(): string {
    const nft = this.nftables ? '"EnableNFTables":true,' : "";
    return `{${nft}"Network":"10.244.0.0/16","Backend":{"Type":"${this.opts.backend}"}}`;
  }

  async #writeConfig(): Promise<void> {
    if (this.etcd) await this.etcd.etcdctl("put", "/coreos.com/network/config", this.networkConfig);
    else await Deno.writeTextFile(`${this.dir}/net-conf.json`, this.networkConfig);
  }

  /** The flags of host `h`'s agent. */
  agentArgs(h: Host): string[] {
    const store = this.etcd ? ["--etcd-endpoints", this.etcd.unixEndpoint!] : [
      "--store",
      "local",
      "--local-store-dir",
      `${this.dir}/leases`,
      "--local-network-config",
      `${this.dir}/net-conf.json`,
    ];
    return [
      "--iface",
      "eth0",
      "--subnet-file",
      h.subnetFile,
      "--ip-masq",
      "--healthz-port",
      String(HEALTHZ_PORT),
      ...store,
    ];
  }

  /**
   * Starts host `h`'s agent (stopping a running one first) through the lab's agent wrapper,
   * so with the deployed V8 flags; its output goes to `onAgentLine`, the last 400 lines kept.
   */
  async startAgent(h: Host): Promise<AgentProcess> {
    await this.agents.get(h.index)?.stop("SIGTERM", STOP_GRACE_MS);
    const a = AgentProcess.start(h.ns.name, this.agentArgs(h), {
      tag: `h${h.index}`,
      keepLines: 400,
      onLine: (l) => this.opts.onAgentLine?.(h.index, l),
    });
    this.agents.set(h.index, a);
    return a;
  }

  /** Starts every agent and waits until each answers `/readyz` with 200. */
  async startAgents(timeoutMs = 30_000): Promise<void> {
    for (const h of this.cluster.hosts) await this.startAgent(h);
    await Promise.all(this.cluster.hosts.map((h) => this.waitReady(h, timeoutMs)));
  }

  /** Polls host `h`'s `/readyz` until 200; throws with the agent's last lines otherwise. */
  async waitReady(h: Host, timeoutMs = 30_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    const url = `http://127.0.0.1:${HEALTHZ_PORT}/readyz`;
    for (;;) {
      const r = await h.ns.exec("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", url]);
      if (r.stdout === "200") return;
      const a = this.agents.get(h.index);
      if (a?.code !== null || Date.now() > end) {
        const why = a?.code != null ? `exited with ${a.code}` : "not ready in time";
        throw new Error(`Agent of host ${h.index} ${why}:\n${a?.lines().slice(-15).join("\n")}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The subnet host `h` leased (`10.244.21.0/24`), from its subnet.env. */
  async subnetOf(h: Host): Promise<string> {
    const vars = await h.waitSubnetEnv();
    return (vars.get("FLANNEL_SUBNET") ?? "").replace(/\.1\//, ".0/");
  }

  /** Creates `podsPerHost` pods on every host and runs CNI ADD for each. */
  async addPods(): Promise<void> {
    for (const h of this.cluster.hosts) {
      for (let i = 0; i < this.opts.podsPerHost; i++) {
        // The lab cluster made one pod namespace per host; further ones are ours to delete.
        const ns = i === 0 ? h.pod : await createNetns("fdp");
        if (i > 0) this.#extraNs.push(ns);
        const name = `h${h.index}-${String.fromCharCode(97 + i)}`;
        const conf = flannelPluginConf(h.subnetFile, `${h.dir}/cni`);
        const call = await runCni("ADD", h.ns, ns, `sandbox-${name}`, conf);
        this.pods.push({ name, host: h, ns, ip: resultAddress(call) });
      }
    }
  }

  /** Stops agents (SIGTERM), deletes namespaces, etcd and temp files. Never throws. */
  async destroy(): Promise<void> {
    await Promise.all(
      [...this.agents.values()].map((a) => a.stop("SIGTERM", STOP_GRACE_MS).catch(() => {})),
    );
    for (const ns of this.#extraNs) await ns.delete();
    await this.cluster.destroy();
    await this.etcd?.close().catch(() => {});
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
