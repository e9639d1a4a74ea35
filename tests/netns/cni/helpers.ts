/**
 * A node for CNI tests: a host namespace (where the plugin runs, as a runtime would run it),
 * pod namespaces made on demand, and a scratch directory for subnet.env, flannel state and
 * the host-local store. The plugin runs as a real subprocess under `ip netns exec <host>`.
 * Everything is removed in `finally`.
 */
import { createNetns, type Netns, run } from "../../../scripts/lab/netns.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;
/** The CNI-only entry (what an installed plugin runs from source). */
export const ENTRY = `${ROOT}mod/cni/entry.ts`;

export interface CallResult {
  code: number;
  stdout: string;
  stderr: string;
  // deno-lint-ignore no-explicit-any
  json(): any;
}

/** Runs `cmd` inside `ns` with `env` added and `stdin` piped. */
export async function runIn(
  ns: Netns,
  cmd: string[],
  env: Record<string, string>,
  stdin: string,
): Promise<CallResult> {
  const child = new Deno.Command("ip", {
    args: ["netns", "exec", ns.name, ...cmd],
    env: { NO_COLOR: "1", ...env },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(stdin));
  await w.close();
  const out = await child.output();
  const dec = new TextDecoder();
  const stdout = dec.decode(out.stdout), stderr = dec.decode(out.stderr);
  return { code: out.code, stdout, stderr, json: () => JSON.parse(stdout) };
}

/** One pod attachment request. */
export interface Attach {
  pod: Netns;
  id: string;
  ifname?: string;
}

export const SUBNET_ENV_V4 =
  "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n";
export const SUBNET_ENV_V6 =
  "FLANNEL_IPV6_NETWORK=fd44::/48\nFLANNEL_IPV6_SUBNET=fd44:0:0:1::1/64\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n";
export const SUBNET_ENV_DUAL = SUBNET_ENV_V4 +
  SUBNET_ENV_V6.replace(/FLANNEL_(MTU|IPMASQ).*\n/g, "");

/** A test node: host netns, pods, scratch dir, and ways to call the plugins. */
export class CniNode {
  readonly host: Netns;
  readonly dir: string;
  readonly pods: Netns[] = [];
  constructor(host: Netns, dir: string) {
    this.host = host;
    this.dir = dir;
  }

  /** A new pod namespace (removed with the node). */
  async pod(): Promise<Netns> {
    const p = await createNetns("cp");
    this.pods.push(p);
    return p;
  }

  /** The flannel network config (stock delegate), with paths into the scratch dir. */
  conf(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      cniVersion: "1.0.0",
      name: "cbr0",
      type: "flannel",
      subnetFile: `${this.dir}/subnet.env`,
      dataDir: `${this.dir}/flannel`,
      delegate: { hairpinMode: true, isDefaultGateway: true },
      ipam: { dataDir: `${this.dir}/ipam` },
      ...extra,
    };
  }

  env(cmd: string, a: Attach | null, extra: Record<string, string> = {}) {
    return {
      CNI_COMMAND: cmd,
      CNI_CONTAINERID: a?.id ?? "",
      CNI_NETNS: a?.pod.path ?? "",
      CNI_IFNAME: a ? a.ifname ?? "eth0" : "",
      CNI_PATH: "/usr/lib/cni",
      ...extra,
    };
  }

  /** Calls our plugin (`deno run entry.ts`) as a runtime would. */
  flannel(cmd: string, a: Attach | null, conf = this.conf(), extra: Record<string, string> = {}) {
    const deno = [Deno.execPath(), "run", "-A", "--cached-only", ENTRY];
    return runIn(this.host, deno, this.env(cmd, a, extra), JSON.stringify(conf));
  }

  /** Calls an installed plugin binary (e.g. the reference bridge) with a raw config. */
  exec(
    bin: string,
    cmd: string,
    a: Attach | null,
    conf: unknown,
    extra: Record<string, string> = {},
  ) {
    return runIn(this.host, [bin], this.env(cmd, a, extra), JSON.stringify(conf));
  }

  /** Runs `ip -j <args>` in a namespace and parses the output. */
  async ipJson<T = Record<string, unknown>[]>(ns: Netns, ...args: string[]): Promise<T> {
    return await ns.ipJson<T>(...args);
  }

  async cleanup(): Promise<void> {
    for (const p of this.pods) await p.delete();
    await this.host.delete();
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}

/** Runs `fn` with a fresh node whose subnet.env holds `subnetEnv`; cleans up afterwards. */
export async function withNode(
  subnetEnv: string,
  fn: (node: CniNode) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "cni-node-" });
  const host = await createNetns("ch");
  const node = new CniNode(host, dir);
  try {
    await Deno.writeTextFile(`${dir}/subnet.env`, subnetEnv);
    await fn(node);
  } finally {
    await node.cleanup();
  }
}

/** True when a file exists. */
export function exists(path: string): Promise<boolean> {
  return Deno.stat(path).then(() => true, () => false);
}

/** `ping` from inside `ns`; true when it got an answer. */
export async function pings(ns: Netns, addr: string): Promise<boolean> {
  const cmd = addr.includes(":") ? ["ping", "-6"] : ["ping"];
  const r = await ns.exec(cmd[0]!, [...cmd.slice(1), "-c1", "-W2", addr]);
  return r.code === 0;
}

/** The `CNI-` rules of a namespace's nat table (`iptables -t nat -S`, or `cmd`'s). */
export async function natRules(host: { name: string }, cmd = "iptables"): Promise<string[]> {
  const out = await run("ip", ["netns", "exec", host.name, cmd, "-t", "nat", "-S"]);
  return out.split("\n").filter((l) => l.includes("CNI-"));
}

/** Reads a sysctl inside a namespace. */
export async function sysctl(ns: Netns, key: string): Promise<string> {
  return (await run("ip", ["netns", "exec", ns.name, "cat", `/proc/sys/${key}`])).trim();
}
