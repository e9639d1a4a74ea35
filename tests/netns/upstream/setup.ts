/**
 * Shared set-up of the tests against upstream's binaries: whether they run (root, binaries
 * found — else ignored with the reason printed), upstream flanneld on a host of an agent
 * cluster (tests/netns/agent/setup.ts), and the lease values as each side wrote them.
 */
import type { Host } from "../../harness/cluster.ts";
import { isRoot, NOT_ROOT } from "../../harness/netns.ts";
import { findUpstream, upstreamEtcdFlags } from "../../harness/upstream.ts";
import type { AgentCluster } from "../agent/setup.ts";

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

/** The lease JSON both flanneld versions write for a host (vxlan: with its VTEP MAC). */
export function leaseJson(h: Host, backend: "vxlan" | "host-gw", mac: string | null): string {
  const data = backend === "vxlan" ? `,"BackendData":{"VNI":1,"VtepMAC":"${mac}"}` : "";
  return `{"PublicIP":"${h.ip4}","PublicIPv6":null,"BackendType":"${backend}"${data}}`;
}
