/**
 * Kubernetes nodes as leases (upstream `nodeToLease`, the informer's update filter and the pod
 * CIDR choice of `AcquireLease`), pure: a node is plain JSON in, a lease or a typed error out.
 *
 * Design notes: nodes come from the API server and are untrusted; every field is checked and
 * any problem is a {@linkcode NodeLeaseError}, never a crash (upstream's `FuzzNodeToLease`).
 * Upstream's dual-stack update filter drops an update when EITHER family's annotations are
 * unchanged (spec §10.5), so a changed VTEP MAC of one family is never seen by peers until a
 * restart; we report the update when ANY enabled family's annotations changed. A node that
 * stops carrying `kube-subnet-manager: "true"` is reported removed (upstream ignores it).
 */
import { FlannelError } from "../errors.ts";
import { type Family, IPNet, parseIP4, parseIP6, tryParseCIDRWithHost } from "../ip/mod.ts";
import { type AnnotationNames, KUBE_MANAGED_VALUE } from "./annotations.ts";
import type { Lease, LeaseAttrs } from "./types.ts";

/** The part of a `v1.Node` flannel reads (the rest is ignored). */
export interface KubeNode {
  metadata: { name: string; resourceVersion?: string; annotations?: Record<string, string> };
  spec?: { podCIDR?: string; podCIDRs?: string[] };
}

/** Which families the network config enables. */
export interface Families {
  enableIPv4: boolean;
  enableIPv6: boolean;
}

/** A node that cannot be turned into a lease (skipped by the informer, logged). */
export class NodeLeaseError extends FlannelError {
  override name = "NodeLeaseError";
  constructor(message: string, options?: ErrorOptions) {
    super("EBADNODE", message, options);
  }
}

/** The node's annotation `key` ("" when absent, as Go's map lookup). */
export function annotation(node: KubeNode, key: string): string {
  const v = node.metadata.annotations?.[key];
  return typeof v === "string" ? v : "";
}

/** Whether flannel manages the node (`kube-subnet-manager: "true"`). */
export function isManaged(node: KubeNode, names: AnnotationNames): boolean {
  return annotation(node, names.subnetKubeManaged) === KUBE_MANAGED_VALUE;
}

function parseNet(text: unknown, name: string): IPNet {
  const r = typeof text === "string" ? tryParseCIDRWithHost(text) : null;
  if (r === null) {
    throw new NodeLeaseError(`node "${name}" has an invalid pod CIDR ${JSON.stringify(text)}`);
  }
  return r.net;
}

/**
 * The node's pod CIDR of each family: `spec.podCIDRs` (1 or 2 entries) or, when that list is
 * empty, `spec.podCIDR`. More than two entries is upstream's error.
 */
export function podCIDRs(node: KubeNode): Record<Family, IPNet | null> {
  const name = node.metadata.name;
  const list = node.spec?.podCIDRs;
  const texts = Array.isArray(list) && list.length > 0
    ? list
    : node.spec?.podCIDR
    ? [node.spec.podCIDR]
    : [];
  if (texts.length > 2) {
    throw new NodeLeaseError(`node "${name}" pod cidrs should be IPv4/IPv6 only or dualstack`);
  }
  const out: Record<Family, IPNet | null> = { 4: null, 6: null };
  for (const t of texts) {
    const net = parseNet(t, name);
    out[net.family] ??= net;
  }
  return out;
}

function backendData(node: KubeNode, key: string): unknown {
  const text = annotation(node, key);
  if (text === "" || text === "null") return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new NodeLeaseError(
      `node "${node.metadata.name}" annotation "${key}" is not JSON: ${JSON.stringify(text)}`,
      { cause: err },
    );
  }
}

function publicIP(node: KubeNode, key: string, family: Family) {
  const text = annotation(node, key);
  try {
    return family === 4 ? parseIP4(text) : parseIP6(text);
  } catch (err) {
    throw new NodeLeaseError(
      `node "${node.metadata.name}" annotation "${key}" is not an IPv${family} address: ` +
        JSON.stringify(text),
      { cause: err },
    );
  }
}

/**
 * The lease a managed node advertises (upstream `nodeToLease`); throws
 * {@linkcode NodeLeaseError} for anything malformed. `expiration` is `null`: kube leases do
 * not expire.
 */
export function nodeToLease(node: KubeNode, names: AnnotationNames, fam: Families): Lease {
  const name = node.metadata?.name;
  if (typeof name !== "string" || name === "") throw new NodeLeaseError("node has no name");
  const cidrs = podCIDRs(node);
  const attrs: LeaseAttrs = {
    publicIP: null,
    publicIPv6: null,
    backendType: annotation(node, names.backendType),
  };
  const lease: Lease = { subnet: null, ipv6Subnet: null, attrs, expiration: null };
  if (fam.enableIPv4) {
    attrs.publicIP = publicIP(node, names.publicIP, 4);
    const data = backendData(node, names.backendData);
    if (data !== undefined) attrs.backendData = data;
    lease.subnet = cidrs[4];
    if (lease.subnet === null) {
      throw new NodeLeaseError(`node "${name}": missing IPv4 address on n.Spec.PodCIDRs`);
    }
  }
  if (fam.enableIPv6) {
    attrs.publicIPv6 = publicIP(node, names.publicIPv6, 6);
    const data = backendData(node, names.backendV6Data);
    if (data !== undefined) attrs.backendV6Data = data;
    lease.ipv6Subnet = cidrs[6];
    if (lease.ipv6Subnet === null) {
      throw new NodeLeaseError(`node "${name}": missing IPv6 address on n.Spec.PodCIDRs`);
    }
  }
  return lease;
}

function familyKeys(names: AnnotationNames, family: Family): string[] {
  return family === 4
    ? [names.backendData, names.backendType, names.publicIP]
    : [names.backendV6Data, names.backendType, names.publicIPv6];
}

/**
 * Whether an update of a managed node changes its lease: a lease annotation of an enabled
 * family changed (see the design notes for the dual-stack difference), or the pod CIDRs did.
 */
export function leaseChanged(
  before: KubeNode,
  after: KubeNode,
  names: AnnotationNames,
  fam: Families,
): boolean {
  const families = ([4, 6] as const).filter((f) => f === 4 ? fam.enableIPv4 : fam.enableIPv6);
  const keys = families.flatMap((f) => familyKeys(names, f));
  if (keys.some((k) => annotation(before, k) !== annotation(after, k))) return true;
  const cidrs = (n: KubeNode) => JSON.stringify([n.spec?.podCIDR ?? "", n.spec?.podCIDRs ?? []]);
  return cidrs(before) !== cidrs(after);
}
