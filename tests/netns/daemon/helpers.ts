/**
 * Shared set-up of the daemon end-to-end tests: a cluster of real agents on the local store
 * (one lease directory, a net-conf file), an "outside" host on the underlay that has no route
 * to the pod network, and a tiny HTTP server that answers with the client address it saw —
 * so the receiver itself says whether a source was masqueraded.
 */
import {
  type Cluster,
  type Host,
  plugIntoSwitch,
  withCluster,
} from "../../../scripts/lab/cluster.ts";
import { createNetns, type Netns } from "../../../scripts/lab/netns.ts";

export { startWhoami, whoami } from "../../harness/whoami.ts";

export const CONFIG_V4 = '{"Network":"10.244.0.0/16","Backend":{"Type":"vxlan"}}';
export const CONFIG_DUAL =
  '{"Network":"10.244.0.0/16","EnableIPv6":true,"IPv6Network":"fd00:10::/48","Backend":{"Type":"vxlan"}}';

/** The outside host's underlay addresses (same segment as the hosts, no route to pods). */
export const OUTSIDE = { ip4: "198.18.0.200", ip6: "2001:db8:18::200" };

export interface DaemonCluster {
  cluster: Cluster;
  outside: Netns;
  dir: string;
  /** Agent flags for the shared local store. */
  flags: string[];
  /** Writes (or rewrites) the network config the agents read. */
  writeConfig(text: string): Promise<void>;
}

/** Flags of agents on the local store in `dir` (leases in `dir/leases`, config `dir/net-conf.json`). */
export function localStoreFlags(dir: string): string[] {
  return [
    "--store",
    "local",
    "--local-store-dir",
    `${dir}/leases`,
    "--local-network-config",
    `${dir}/net-conf.json`,
    "--reconcile-interval",
    "2",
  ];
}

/** Runs `fn` with `hosts` hosts, an outside host and a local store holding `config` (or none). */
export async function withDaemonCluster<T>(
  hosts: number,
  config: string | null,
  fn: (d: DaemonCluster) => Promise<T>,
): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "flannel-daemon-" });
  let outside: Netns | null = null;
  try {
    return await withCluster({ hosts }, async (cluster) => {
      outside = await createNetns("fdo");
      await plugIntoSwitch(cluster.switchNs, outside, "pout", OUTSIDE.ip4, OUTSIDE.ip6);
      const writeConfig = (text: string) => Deno.writeTextFile(`${dir}/net-conf.json`, text);
      if (config !== null) await writeConfig(config);
      const flags = localStoreFlags(dir);
      return await fn({ cluster, outside, dir, flags, writeConfig });
    });
  } finally {
    await (outside as Netns | null)?.delete();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** Starts every host's agent with `extra` flags and wires its pod once subnet.env exists. */
export async function joinAll(d: DaemonCluster, extra: string[] = []): Promise<void> {
  for (const h of d.cluster.hosts) h.startAgent([...d.flags, ...extra]);
  for (const h of d.cluster.hosts) await h.wirePod(await h.waitSubnetEnv());
}

/** The health server port the daemon tests give agents (`--healthz-port`). */
export const HEALTHZ = 10256;

/** HTTP status of `path` on the host's health server (0 when nothing answers). */
export async function probe(h: Host, path: string): Promise<number> {
  const r = await h.ns.exec("curl", [
    "-s",
    "-o",
    "/dev/null",
    "-w",
    "%{http_code}",
    "--max-time",
    "2",
    `http://127.0.0.1:${HEALTHZ}${path}`,
  ]);
  return Number(r.stdout) || 0;
}

/** A host's flannel rules as listed by the tools of `mode` (whole tables, stable text). */
export async function ruleListing(h: Host, mode: "iptables" | "nftables"): Promise<string> {
  if (mode === "nftables") return (await h.ns.run("nft", ["list", "ruleset"])).trimEnd();
  const out: string[] = [];
  for (const cmd of ["iptables", "ip6tables"]) {
    for (const table of ["nat", "filter"]) out.push(await h.ns.run(cmd, ["-t", table, "-S"]));
  }
  return out.join("").trimEnd();
}

/**
 * The host's data plane: routes of every table, permanent neighbours, FDB entries, links
 * (sorted lines; IPv6 link-local entries, which the kernel adds on its own time, left out).
 */
export async function dataPlane(h: Host): Promise<string[]> {
  const lines = [
    ...(await h.ns.run("ip", ["route", "show", "table", "all"])).split("\n"),
    ...(await h.ns.run("ip", ["-6", "route", "show", "table", "all"])).split("\n"),
    ...(await h.ns.run("ip", ["neigh", "show", "nud", "permanent"])).split("\n"),
    ...(await h.ns.run("bridge", ["fdb", "show", "dev", "flannel.1"])).split("\n"),
    ...(await h.ns.run("ip", ["-br", "link"])).split("\n"),
  ];
  return lines.map((l) => l.trim()).filter((l) => l !== "" && !l.includes("fe80:")).sort();
}
