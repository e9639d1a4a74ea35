/**
 * The hand-made side of the agent benchmarks, inside a test cluster's namespaces: a vxlan
 * device like flannel's, the reference install of the peers' entries through `ip -batch` +
 * `bridge -batch`, counting what the kernel holds, and `ip -ts monitor route` as a clock.
 */
import { Cluster, type Host } from "../lab/cluster.ts";
import { exec, type Netns } from "../lab/netns.ts";
import { parseIpTimestamp } from "./agent_data.ts";
import { nowMs } from "./common.ts";

/**
 * `ip link add <name> [address <mac>] [mtu <mtu>] type vxlan id 1 dev eth0 local <local>
 * nolearning dstport 8472`, then `ip link set <name> up`.
 */
export async function addVxlan(
  ns: Netns,
  local: string,
  o: { name?: string; mac?: string; mtu?: number } = {},
): Promise<void> {
  const name = o.name ?? "flannel.1";
  const extra = [
    ...(o.mac === undefined ? [] : ["address", o.mac]),
    ...(o.mtu === undefined ? [] : ["mtu", String(o.mtu)]),
  ];
  const vxlan = `type vxlan id 1 dev eth0 local ${local} nolearning dstport 8472`.split(" ");
  await ns.ip("link", "add", name, ...extra, ...vxlan);
  await ns.ip("link", "set", name, "up");
}

/** Routes (proto 242), permanent neighbours and FDB entries on `flannel.1`. */
export async function entryCount(h: Host): Promise<number> {
  const count = async (cmd: string, a: string[]) =>
    (await exec(cmd, ["-n", h.ns.name, ...a])).stdout.trim().split("\n").filter((l) => l).length;
  return await count("ip", ["route", "show", "dev", "flannel.1", "proto", "242"]) +
    await count("ip", ["neigh", "show", "dev", "flannel.1", "nud", "permanent"]) +
    await count("bridge", ["fdb", "show", "dev", "flannel.1"]);
}

/**
 * The reference: on a fresh host with `flannel.1`, the time `ip -batch` + `bridge -batch`
 * take to install `batches` (`n` peers; all 3·n entries are checked afterwards).
 */
export async function timeReference(
  batches: { ip: string; bridge: string },
  n: number,
  prefix: string,
): Promise<number> {
  const c = await Cluster.create({ hosts: 1, ipv6: false, prefix });
  const dir = await Deno.makeTempDir({ prefix: "bench-ref-" });
  try {
    const h = c.hosts[0]!;
    await addVxlan(h.ns, h.ip4);
    await Deno.writeTextFile(`${dir}/ip`, batches.ip);
    await Deno.writeTextFile(`${dir}/bridge`, batches.bridge);
    const t0 = nowMs();
    await exec("ip", ["-n", h.ns.name, "-batch", `${dir}/ip`]);
    await exec("bridge", ["-n", h.ns.name, "-batch", `${dir}/bridge`]);
    const dt = nowMs() - t0;
    const got = await entryCount(h);
    if (got !== 3 * n) throw new Error(`reference installed ${got} entries, not ${3 * n}`);
    return dt;
  } finally {
    await c.destroy();
    await Deno.remove(dir, { recursive: true });
  }
}

/** `ip -ts monitor route` in a host: when each flannel route (proto 242) first appeared. */
export class RouteMonitor {
  /** Destination (`10.1.2.0/24`) → kernel timestamp in ms since the epoch. */
  readonly seen = new Map<string, number>();
  readonly #mon: Deno.ChildProcess;
  readonly #pump: Promise<void>;

  constructor(h: Host) {
    this.#mon = new Deno.Command("ip", {
      args: ["-n", h.ns.name, "-ts", "monitor", "route"],
      env: { TZ: "UTC" },
      stdout: "piped",
      stderr: "null",
    }).spawn();
    this.#pump = this.#read(this.#mon.stdout);
  }

  async #read(out: ReadableStream<Uint8Array>): Promise<void> {
    let rest = "";
    for await (const chunk of out.pipeThrough(new TextDecoderStream())) {
      rest += chunk;
      const lines = rest.split("\n");
      rest = lines.pop()!;
      for (const l of lines) {
        const m = l.match(/^\[([^\]]+)\]\s+(\S+) via .* proto 242/);
        if (m && !this.seen.has(m[2]!)) this.seen.set(m[2]!, parseIpTimestamp(m[1]!));
      }
    }
  }

  async stop(): Promise<void> {
    this.#mon.kill("SIGTERM");
    await this.#pump.catch(() => {});
    await this.#mon.status;
  }
}
