/**
 * Shared set-up of the tests against upstream's binaries: whether they run (root, binaries
 * found — else ignored with the reason printed), upstream flanneld on a host of an agent
 * cluster (tests/netns/agent/setup.ts), and the lease values as each side wrote them.
 */
import type { Host } from "../../../scripts/lab/cluster.ts";
import { isRoot, NOT_ROOT } from "../../../scripts/lab/netns.ts";
import { findUpstream, upstreamEtcdFlags } from "../../../scripts/lab/upstream.ts";
import type { AgentCluster } from "../agent/setup.ts";
import type { Peer } from "../agent/state.ts";

const found = await findUpstream();

/** The binaries (null when the tests are ignored). */
export const UPSTREAM = found.bins;

/** `Deno.test` options of every upstream test: ignored, with the reason printed once. */
export function upstreamTestOpts(what: string) {
  const reason = !isRoot ? NOT_ROOT : found.reason;
  if (reason !== null) console.warn(`${what} ignored: ${reason}`);
  return { ignore: reason !== null, sanitizeOps: false, sanitizeResources: false };
}

/** Starts upstream flanneld v0.22.0 on `h`, on the cluster's etcd and prefix. */
export function startUpstream(h: Host, a: AgentCluster) {
  const flags = upstreamEtcdFlags(a.etcd.unixEndpoint!, a.prefix);
  return h.startAgent(flags, {}, UPSTREAM!.flanneld);
}

/** Starts our agent on `h` with the cluster's flags. */
export function startOurs(h: Host, a: AgentCluster) {
  return h.startAgent(a.flags);
}

/** One key under `<prefix>/subnets/`: the value as written, and whether an etcd lease (TTL) holds it. */
export interface StoredLease {
  value: string;
  ttl: number;
}

/** Every lease in etcd by subnet key (`10.244.3.0-24`), with its remaining TTL in seconds. */
export async function storedLeases(a: AgentCluster): Promise<Map<string, StoredLease>> {
  const text = await a.etcd.etcdctl("get", "--prefix", `${a.prefix}/subnets/`, "-w=json");
  const out = new Map<string, StoredLease>();
  // Regexes, not JSON.parse: lease IDs are int64, beyond a double's exact range.
  for (const m of text.matchAll(/"key":"([^"]+)"[^}]*?"value":"([^"]*)"(?:,"lease":(\d+))?/g)) {
    const key = atob(m[1]!).slice(`${a.prefix}/subnets/`.length);
    let ttl = 0;
    if (m[3] !== undefined) {
      const hex = BigInt(m[3]).toString(16);
      const t = await a.etcd.etcdctl("lease", "timetolive", hex, "-w=json");
      ttl = Number(t.match(/"ttl":(-?\d+)/)?.[1] ?? 0);
    }
    out.set(key, { value: atob(m[2]!), ttl });
  }
  return out;
}

/** The etcd key of a peer's lease: `10.244.3.0-24`, dual-stack `10.244.3.0-24&fd00:10:0:3::-64`. */
export function leaseKey(p: Peer): string {
  const k = (cidr: string) => cidr.replace("/", "-");
  return p.subnet6 === null ? k(p.subnet!) : `${k(p.subnet!)}&${k(p.subnet6)}`;
}

/** The lease JSON both flanneld versions write for a peer (vxlan: with its VTEP MACs). */
export function leaseJson(p: Peer, backend: "vxlan" | "host-gw"): string {
  const six = p.subnet6 !== null;
  const ip6 = six ? `"${p.host.ip6}"` : "null";
  const data = (mac: string | null) => `{"VNI":1,"VtepMAC":"${mac}"}`;
  const vx = backend === "vxlan"
    ? `,"BackendData":${data(p.mac4)}${six ? `,"BackendV6Data":${data(p.mac6)}` : ""}`
    : "";
  return `{"PublicIP":"${p.host.ip4}","PublicIPv6":${ip6},"BackendType":"${backend}"${vx}}`;
}
