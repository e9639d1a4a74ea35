/**
 * What flannel writes to its own node (upstream `AcquireLease` and `CompleteLease`), pure:
 * the annotation changes, the patch text, the lease taken from the pod CIDRs, and the
 * `NetworkUnavailable` condition.
 *
 * Design notes: the annotation rules are upstream's, including the odd ones (vxlan without
 * IPv4 data writes no `public-ip`; `public-ip-overwrite` replaces the advertised address but
 * the local lease keeps the detected one). The patch holds only the annotations that change,
 * keys sorted — the bytes Go's `CreateTwoWayMergePatch` produces — and is sent as a
 * strategic-merge patch to `nodes/<name>/status`, which is why the ClusterRole needs only
 * `nodes/status: patch`.
 */
import { ConfigError } from "../errors.ts";
import type { NetworkConfig } from "../config/net_conf.ts";
import type { IPNet } from "../ip/mod.ts";
import {
  type AnnotationNames,
  encodeBackendData,
  goJSON,
  KUBE_MANAGED_VALUE,
} from "./annotations.ts";
import { annotation, type KubeNode, NodeLeaseError, podCIDRs } from "./node.ts";
import type { Lease, LeaseAttrs } from "./types.ts";

/** Annotation changes for our node; `set` is empty when the node is already up to date. */
export interface AnnotationPlan {
  set: Record<string, string>;
  /** Upstream's `Overriding public ip with ...` lines, to log. */
  notes: string[];
}

function ipText(ip: LeaseAttrs["publicIP"]): string {
  return ip?.toString() ?? "0.0.0.0";
}

function needsPatch(node: KubeNode, a: LeaseAttrs, n: AnnotationNames, bd: string, bd6: string) {
  const get = (k: string) => annotation(node, k);
  const family = (data: string, dataKey: string, ipKey: string, ow: string, ip: string) =>
    get(dataKey) !== data || get(n.backendType) !== a.backendType || get(ipKey) !== ip ||
    get(n.subnetKubeManaged) !== KUBE_MANAGED_VALUE || (get(ow) !== "" && get(ow) !== ip);
  return family(bd, n.backendData, n.publicIP, n.publicIPOverwrite, ipText(a.publicIP)) ||
    (a.publicIPv6 !== null &&
      family(bd6, n.backendV6Data, n.publicIPv6, n.publicIPv6Overwrite, a.publicIPv6.toString()));
}

/**
 * The annotations to write so the node advertises `attrs` (upstream `AcquireLease` step 4).
 */
export function planNodeAnnotations(
  node: KubeNode,
  attrs: LeaseAttrs,
  names: AnnotationNames,
): AnnotationPlan {
  const bd = encodeBackendData(attrs.backendData);
  const bd6 = encodeBackendData(attrs.backendV6Data);
  const plan: AnnotationPlan = { set: {}, notes: [] };
  if (!needsPatch(node, attrs, names, bd, bd6)) return plan;
  const next: Record<string, string> = { [names.backendType]: attrs.backendType };
  const advertise = (ipKey: string, owKey: string, ip: string, what: string) => {
    const ow = annotation(node, owKey);
    if (ow === "") next[ipKey] = ip;
    else if (annotation(node, ipKey) !== ow) {
      plan.notes.push(`Overriding public ${what} with '${ow}' from node annotation '${owKey}'`);
      next[ipKey] = ow;
    }
  };
  const type = attrs.backendType;
  if (type !== "vxlan" || bd !== "null") {
    next[names.backendData] = bd;
    advertise(names.publicIP, names.publicIPOverwrite, ipText(attrs.publicIP), "ip");
  }
  const v6 = attrs.publicIPv6;
  if (
    (type === "vxlan" && bd6 !== "null") || (type === "wireguard" && bd6 !== "null" && v6) ||
    ((type === "host-gw" || type === "extension") && v6)
  ) {
    next[names.backendV6Data] = bd6;
    if (v6) advertise(names.publicIPv6, names.publicIPv6Overwrite, v6.toString(), "ipv6");
  }
  next[names.subnetKubeManaged] = KUBE_MANAGED_VALUE;
  for (const [k, v] of Object.entries(next)) {
    if (node.metadata.annotations?.[k] !== v) plan.set[k] = v;
  }
  return plan;
}

/** The strategic-merge patch text for `set` (keys sorted, as Go marshals a map). */
export function annotationPatch(set: Record<string, string>): string {
  const sorted = Object.fromEntries(Object.entries(set).sort(([a], [b]) => a < b ? -1 : 1));
  return goJSON({ metadata: { annotations: sorted } });
}

/** Backends whose kube leases may carry IPv6 (upstream forces the others to IPv4 only). */
const DUAL_STACK_BACKENDS = new Set(["vxlan", "host-gw", "wireguard"]);

function checkInside(network: IPNet | null, cidr: IPNet, node: string, v6: boolean): void {
  if (network !== null && network.contains(cidr)) return;
  const net = network?.toString() ?? (v6 ? "::/0" : "0.0.0.0/0");
  throw new ConfigError(
    `subnet "${net}" specified in the flannel net config doesn't contain "${cidr}" ` +
      `${v6 ? "IPv6 " : ""}PodCIDR of the "${node}" node`,
  );
}

/**
 * Our lease from our node's pod CIDRs (upstream `AcquireLease` step 5): each enabled family's
 * pod CIDR must lie inside that family's network. Throws {@linkcode ConfigError} for a pod
 * CIDR outside the network or a missing family, {@linkcode NodeLeaseError} for bad CIDRs.
 */
export function ownLease(
  node: KubeNode,
  config: NetworkConfig,
  attrs: LeaseAttrs,
  expiration: Date,
): Lease {
  const name = node.metadata.name;
  const cidrs = podCIDRs(node);
  const lease: Lease = { subnet: null, ipv6Subnet: null, attrs, expiration };
  const v6Allowed = DUAL_STACK_BACKENDS.has(attrs.backendType);
  if (config.enableIPv4) {
    const c = cidrs[4];
    if (c === null) throw new NodeLeaseError(`node "${name}" has no IPv4 pod CIDR`);
    checkInside(config.network, c, name, false);
    lease.subnet = c;
  }
  if (config.enableIPv6 && v6Allowed) {
    const c = cidrs[6];
    if (c === null) throw new NodeLeaseError(`node "${name}" has no IPv6 pod CIDR`);
    checkInside(config.ipv6Network, c, name, true);
    lease.ipv6Subnet = c;
  }
  return lease;
}

/**
 * The `NetworkUnavailable=False` patch of upstream `CompleteLease`
 * (`{"status":{"conditions":[...]}}`, times in RFC 3339 seconds as Go's `metav1.Time`).
 */
export function networkUnavailablePatch(now: Date): string {
  const t = now.toISOString().replace(/\.\d{3}Z$/, "Z");
  return goJSON({
    status: {
      conditions: [{
        type: "NetworkUnavailable",
        status: "False",
        lastHeartbeatTime: t,
        lastTransitionTime: t,
        reason: "FlannelIsUp",
        message: "Flannel is running on this node",
      }],
    },
  });
}

/** Whether the node currently has a pod CIDR at all (upstream exits when not). */
export function hasPodCIDR(node: KubeNode): boolean {
  return (node.spec?.podCIDR ?? "") !== "" || (node.spec?.podCIDRs?.length ?? 0) > 0;
}
