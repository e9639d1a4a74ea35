/**
 * The synthetic cluster the agent benchmarks use: peer `i` owns `10.<1+i/256>.<i%256>.0/24`,
 * lives at `198.19.<i/256>.<i%256+1>` and has VTEP MAC `0e:00:00:00:<i/256>:<i%256>`; and the
 * same entries as iproute2 batch files for the reference.
 */

/** The agent flags every benchmark agent gets. */
export function agentFlags(endpoint: string, prefix: string): string[] {
  return ["--store", "etcd", "--etcd-endpoints", endpoint, "--etcd-prefix", prefix];
}

const hi = (i: number) => i >> 8;
const lo = (i: number) => i & 255;
const hex = (n: number) => n.toString(16).padStart(2, "0");

export function peerSubnet(i: number): string {
  return `10.${1 + hi(i)}.${lo(i)}.0/24`;
}

export function peerIP(i: number): string {
  return `198.19.${hi(i)}.${lo(i) + 1 > 254 ? 254 : lo(i) + 1}`;
}

export function peerMac(i: number): string {
  return `0e:00:00:00:${hex(hi(i))}:${hex(lo(i))}`;
}

export function leaseKey(prefix: string, i: number): string {
  return `${prefix}/subnets/${peerSubnet(i).replace("/", "-")}`;
}

export function leaseValue(i: number): string {
  return JSON.stringify({
    PublicIP: peerIP(i),
    PublicIPv6: null,
    BackendType: "vxlan",
    BackendData: { VNI: 1, VtepMAC: peerMac(i) },
  });
}

/** `ip -batch` and `bridge -batch` input installing peers 0..n-1 on flannel.1. */
export function refBatches(n: number): { ip: string; bridge: string } {
  const ip: string[] = [];
  const bridge: string[] = [];
  for (let i = 0; i < n; i++) {
    const gw = peerSubnet(i).split("/")[0]!;
    ip.push(`neigh replace ${gw} lladdr ${peerMac(i)} dev flannel.1 nud permanent`);
    ip.push(`route replace ${peerSubnet(i)} via ${gw} dev flannel.1 onlink proto 242`);
    bridge.push(`fdb replace ${peerMac(i)} dev flannel.1 self dst ${peerIP(i)} permanent`);
  }
  return { ip: ip.join("\n") + "\n", bridge: bridge.join("\n") + "\n" };
}

/** `[2026-11-29T22:30:00.123456]` (`ip -ts`, UTC) → milliseconds since the epoch. */
export function parseIpTimestamp(ts: string): number {
  const m = ts.match(/^\[?(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{6})\]?$/);
  if (!m) throw new Error(`Not an ip -ts timestamp: "${ts}"`);
  return Date.parse(`${m[1]}Z`) + Number(m[2]) / 1000;
}
