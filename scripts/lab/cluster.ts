/**
 * A cluster of hosts as network namespaces, for end-to-end tests, benchmarks and the demo.
 *
 * Topology (all names unique per run; nothing touches the root namespace):
 *
 * ```
 *   switch ns: bridge br0 ─┬─ veth ── host 1 ns: eth0 198.18.0.11/24, 2001:db8:18::11/64
 *                          ├─ veth ── host 2 ns: eth0 198.18.0.12/24, ...
 *                          └─ ...          └─ bridge cni0 (FLANNEL_SUBNET .1) ── veth ── pod ns: eth0 .2
 * ```
 *
 * Agents run as real processes (`deno run -A --cached-only main.ts …` through `ip netns exec`)
 * in their host's namespace; {@linkcode Host.wirePod} builds the pod network from the agent's
 * subnet.env, as the CNI bridge plugin would. {@linkcode withCluster} removes namespaces,
 * processes and temporary directories in `finally`, also on failure.
 *
 * @example
 * ```ts
 * await withCluster({ hosts: 3 }, async (c) => {
 *   for (const h of c.hosts) h.startAgent(["--etcd-endpoints", etcd.unixEndpoint]);
 *   for (const h of c.hosts) await h.wirePod(await h.waitSubnetEnv());
 *   await c.hosts[0]!.pod.run("ping", ["-c1", c.hosts[1]!.podIP!]);
 * });
 * ```
 */
import { createNetns, exec, type Netns } from "./netns.ts";
import { AgentProcess, REPO_ROOT } from "./agent_process.ts";

export { AgentProcess, REPO_ROOT };

export interface ClusterOptions {
  hosts: number;
  /** Give hosts IPv6 underlay addresses too (default true: cheap, and dual-stack tests need it). */
  ipv6?: boolean;
  /** Namespace name prefix (default `fc`). */
  prefix?: string;
}

/** `KEY=value` lines of a subnet.env. */
export type SubnetEnvVars = Map<string, string>;

export class Host {
  readonly index: number;
  readonly ns: Netns;
  readonly pod: Netns;
  readonly ip4: string;
  readonly ip6: string;
  readonly dir: string;
  agent: AgentProcess | null = null;
  podIP: string | null = null;
  podIP6: string | null = null;

  constructor(index: number, ns: Netns, pod: Netns, dir: string) {
    this.index = index;
    this.ns = ns;
    this.pod = pod;
    this.ip4 = `198.18.0.${10 + index}`;
    this.ip6 = `2001:db8:18::${10 + index}`;
    this.dir = dir;
  }

  /** Where this host's agent writes subnet.env. */
  get subnetFile(): string {
    return `${this.dir}/subnet.env`;
  }

  /**
   * Starts `main.ts` in this host's namespace with `--iface eth0 --subnet-file <dir>` plus
   * `args` — or, given `program`, that executable instead (upstream's flanneld takes the same
   * flags). Stop it with {@linkcode Host.stopAgent}; {@linkcode withCluster} kills leftovers.
   */
  startAgent(args: string[], env: Record<string, string> = {}, program?: string): AgentProcess {
    if (this.agent?.running) throw new Error(`Host ${this.index} already runs an agent`);
    const flags = ["--iface", "eth0", "--subnet-file", this.subnetFile, ...args];
    const tag = `h${this.index}`;
    this.agent = program === undefined
      ? AgentProcess.start(this.ns.name, flags, { env, tag })
      : AgentProcess.spawn(this.ns.name, [program, ...flags], { env, tag: `${tag} upstream` });
    return this.agent;
  }

  /** SIGTERM (default) and wait for the exit status. */
  async stopAgent(signal: Deno.Signal = "SIGTERM"): Promise<number | null> {
    const a = this.agent;
    if (a === null) return null;
    return await a.stop(signal);
  }

  /** Reads subnet.env once it exists (polls up to `timeoutMs`). */
  async waitSubnetEnv(timeoutMs = 20_000): Promise<SubnetEnvVars> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      try {
        const text = await Deno.readTextFile(this.subnetFile);
        return new Map(
          text.split("\n").filter((l) => l.includes("=")).map((l) => {
            const i = l.indexOf("=");
            return [l.slice(0, i), l.slice(i + 1)] as [string, string];
          }),
        );
      } catch (err) {
        if (!(err instanceof Deno.errors.NotFound)) throw err;
      }
      if (Date.now() > end) {
        throw new Error(
          `Host ${this.index}: no subnet.env after ${timeoutMs} ms\n${this.agent?.log()}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * Wires a pod namespace as the CNI bridge plugin would: bridge `cni0` with the first address
   * of FLANNEL_SUBNET (and FLANNEL_IPV6_SUBNET), a veth into the pod with the second address,
   * default routes via the bridge, MTU FLANNEL_MTU. Idempotent per host (rewires from scratch).
   */
  async wirePod(vars: SubnetEnvVars): Promise<void> {
    const mtu = vars.get("FLANNEL_MTU") ?? "1450";
    await this.ns.exec("ip", ["link", "del", "cni0"]);
    await this.ns.exec("ip", ["link", "del", "vpod"]);
    await this.ns.ip("link", "add", "cni0", "mtu", mtu, "type", "bridge");
    await this.ns.ip(
      "link",
      "add",
      "vpod",
      "mtu",
      mtu,
      "type",
      "veth",
      "peer",
      "name",
      "eth0",
      "netns",
      this.pod.name,
    );
    await this.ns.ip("link", "set", "vpod", "master", "cni0", "up");
    await this.ns.ip("link", "set", "cni0", "up");
    await this.pod.ip("link", "set", "eth0", "mtu", mtu, "up");
    await this.ns.run("sysctl", ["-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"]);
    const fam = async (key: string, six: boolean) => {
      const sub = vars.get(key);
      if (sub === undefined) return null;
      const [gw, len] = sub.split("/") as [string, string];
      const pod = six ? gw.replace(/1$/, "2") : gw.replace(/\.1$/, ".2");
      await this.ns.ip("addr", "add", `${gw}/${len}`, "dev", "cni0", ...(six ? ["nodad"] : []));
      await this.pod.ip("addr", "add", `${pod}/${len}`, "dev", "eth0", ...(six ? ["nodad"] : []));
      await this.pod.ip(...(six ? ["-6"] : []), "route", "add", "default", "via", gw);
      return pod;
    };
    this.podIP = await fam("FLANNEL_SUBNET", false);
    this.podIP6 = await fam("FLANNEL_IPV6_SUBNET", true);
  }
}

export class Cluster {
  readonly switchNs: Netns;
  readonly hosts: Host[];
  readonly #dirs: string[];

  private constructor(switchNs: Netns, hosts: Host[], dirs: string[]) {
    this.switchNs = switchNs;
    this.hosts = hosts;
    this.#dirs = dirs;
  }

  /** Builds the switch and the hosts; on failure removes what it made. */
  static async create(opts: ClusterOptions): Promise<Cluster> {
    const prefix = opts.prefix ?? "fc";
    const made: Netns[] = [];
    const dirs: string[] = [];
    try {
      const sw = await createNetns(`${prefix}s`);
      made.push(sw);
      await sw.ip("link", "add", "br0", "type", "bridge");
      await sw.ip("link", "set", "br0", "up");
      const hosts: Host[] = [];
      for (let i = 1; i <= opts.hosts; i++) {
        const ns = await createNetns(`${prefix}h`);
        made.push(ns);
        const pod = await createNetns(`${prefix}p`);
        made.push(pod);
        const dir = await Deno.makeTempDir({ prefix: `flannel-${ns.name}-` });
        dirs.push(dir);
        const h = new Host(i, ns, pod, dir);
        await plugIntoSwitch(sw, ns, `p${i}`, h.ip4, (opts.ipv6 ?? true) ? h.ip6 : null);
        hosts.push(h);
      }
      return new Cluster(sw, hosts, dirs);
    } catch (err) {
      for (const ns of made) await ns.delete();
      for (const d of dirs) await Deno.remove(d, { recursive: true }).catch(() => {});
      throw err;
    }
  }

  /** Kills agents, deletes namespaces and temporary directories. Never throws. */
  async destroy(): Promise<void> {
    for (const h of this.hosts) await h.agent?.kill().catch(() => {});
    for (const h of this.hosts) {
      await h.pod.delete();
      await h.ns.delete();
    }
    await this.switchNs.delete();
    for (const d of this.#dirs) await Deno.remove(d, { recursive: true }).catch(() => {});
  }

  /** Dumps every agent's log (for failing tests). */
  logs(): string {
    return this.hosts.map((h) => `--- host ${h.index} ---\n${h.agent?.log() ?? "(no agent)"}`)
      .join("\n");
  }
}

/**
 * Plugs `ns` into the switch: its `eth0` is a veth whose peer `port` is a port of the switch's
 * `br0`, with the underlay addresses (`ip6` null: IPv4 only), up.
 */
export async function plugIntoSwitch(
  sw: Netns,
  ns: Netns,
  port: string,
  ip4: string,
  ip6: string | null,
): Promise<void> {
  await ns.ip("link", "add", "eth0", "type", "veth", "peer", "name", port, "netns", sw.name);
  await sw.ip("link", "set", port, "master", "br0", "up");
  await ns.ip("addr", "add", `${ip4}/24`, "dev", "eth0");
  if (ip6 !== null) await ns.ip("addr", "add", `${ip6}/64`, "dev", "eth0", "nodad");
  await ns.ip("link", "set", "eth0", "up");
}

/** Runs `fn` with a fresh cluster and always destroys it. */
export async function withCluster<T>(
  opts: ClusterOptions,
  fn: (c: Cluster) => Promise<T>,
): Promise<T> {
  const c = await Cluster.create(opts);
  try {
    return await fn(c);
  } catch (err) {
    console.error(c.logs());
    throw err;
  } finally {
    await c.destroy();
  }
}

/** One ping from `ns` to `ip` (IPv4 or IPv6); true when answered within `waitS` seconds. */
export async function pingOnce(ns: Netns, ip: string, waitS = 2): Promise<boolean> {
  const r = await exec("ip", ["netns", "exec", ns.name, "ping", "-c1", "-W", `${waitS}`, ip]);
  return r.code === 0;
}

/** Polls `cond` every 50 ms until true or `timeoutMs`; returns whether it became true. */
export async function eventually(
  cond: () => Promise<boolean>,
  timeoutMs = 10_000,
): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}
