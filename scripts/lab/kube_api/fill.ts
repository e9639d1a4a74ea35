/**
 * Many nodes at once, as flannel would find them in a real cluster (benchmarks): each node
 * managed by flannel (vxlan annotations, podCIDR `10.<a>.<b>.0/24` from 10.1.0.0/16 up) and
 * carrying a kubelet-sized status (~6 KB: conditions, addresses, capacity, node info, images),
 * so list and watch costs and client memory are realistic.
 */
import type { KubeApiServer } from "../kube_api.ts";
import type { Obj } from "./state.ts";

const P = "flannel.alpha.coreos.com/";

/** The pod CIDR, underlay IP and VTEP MAC of node `i` (0-based, up to 65,000 nodes). */
export function nodeAddrs(i: number): { podCIDR: string; ip: string; mac: string } {
  const n = i + 256; // skip 10.0.x.0
  const hex = (v: number) => v.toString(16).padStart(2, "0");
  return {
    podCIDR: `10.${n >> 8}.${n & 255}.0/24`,
    ip: `100.64.${Math.floor(i / 250)}.${(i % 250) + 1}`,
    mac: `0a:58:00:00:${hex(i >> 8)}:${hex(i & 255)}`,
  };
}

/** A kubelet-like status of about 6 KB. */
export function kubeletStatus(name: string, ip: string): Obj {
  const cond = (type: string, status: string, reason: string) => ({
    type,
    status,
    lastHeartbeatTime: "2026-01-01T00:00:00Z",
    lastTransitionTime: "2026-01-01T00:00:00Z",
    reason,
    message: `kubelet reports ${type} ${status}`,
  });
  return {
    conditions: [
      cond("MemoryPressure", "False", "KubeletHasSufficientMemory"),
      cond("DiskPressure", "False", "KubeletHasNoDiskPressure"),
      cond("PIDPressure", "False", "KubeletHasSufficientPID"),
      cond("Ready", "True", "KubeletReady"),
    ],
    addresses: [{ type: "InternalIP", address: ip }, { type: "Hostname", address: name }],
    capacity: { cpu: "8", memory: "32823596Ki", pods: "110", "ephemeral-storage": "101430960Ki" },
    allocatable: {
      cpu: "8",
      memory: "32721196Ki",
      pods: "110",
      "ephemeral-storage": "93478772582",
    },
    nodeInfo: {
      machineID: crypto.randomUUID().replaceAll("-", ""),
      systemUUID: crypto.randomUUID(),
      bootID: crypto.randomUUID(),
      kernelVersion: "6.1.0-18-amd64",
      osImage: "Debian GNU/Linux 12 (bookworm)",
      containerRuntimeVersion: "containerd://1.7.13",
      kubeletVersion: "v1.32.0",
      kubeProxyVersion: "v1.32.0",
      operatingSystem: "linux",
      architecture: "amd64",
    },
    images: Array.from({ length: 24 }, (_, k) => ({
      names: [
        `registry.example.com/team-${k}/service-${k}@sha256:${"0123456789abcdef".repeat(4)}`,
        `registry.example.com/team-${k}/service-${k}:v1.${k}.0`,
      ],
      sizeBytes: 10_000_000 + k * 1_234_567,
    })),
  };
}

/** Adds `count` managed nodes `node-<start+i>`; returns the resourceVersion reached. */
export function fillNodes(s: KubeApiServer, count: number, start = 0): number {
  for (let i = start; i < start + count; i++) {
    const name = `node-${i}`;
    const a = nodeAddrs(i);
    s.addNode(name, {
      podCIDR: a.podCIDR,
      annotations: {
        [P + "kube-subnet-manager"]: "true",
        [P + "backend-type"]: "vxlan",
        [P + "backend-data"]: `{"VNI":1,"VtepMAC":"${a.mac}"}`,
        [P + "public-ip"]: a.ip,
        "node.alpha.kubernetes.io/ttl": "0",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
      },
      status: kubeletStatus(name, a.ip),
    });
  }
  return s.state.rv;
}
