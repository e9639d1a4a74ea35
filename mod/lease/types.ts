/**
 * A lease: one host's claim on a subnet of the cluster network (IPv4, IPv6 or both), with the
 * attributes other hosts need to reach it (public IPs, backend type and data).
 */
import type { IPAddr, IPNet } from "../ip/mod.ts";

/** What a host publishes about itself with its lease (upstream `LeaseAttrs`). */
export interface LeaseAttrs {
  /** Public IPv4 of the host; `null` when unset (written `"0.0.0.0"` on the wire). */
  publicIP: IPAddr | null;
  publicIPv6: IPAddr | null;
  /** `vxlan`, `host-gw`, ...; empty for udp/alloc. */
  backendType: string;
  /** Backend-specific JSON value (vxlan: `{"VNI":1,"VtepMAC":"..."}`); absent when undefined. */
  backendData?: unknown;
  backendV6Data?: unknown;
}

/** The subnets that identify a lease (its key). */
export interface LeaseSubnets {
  subnet: IPNet | null;
  ipv6Subnet: IPNet | null;
}

export interface Lease extends LeaseSubnets {
  attrs: LeaseAttrs;
  /**
   * When the lease expires; `null` for a key without TTL (a reservation); absent when the
   * store did not look it up (etcd list and watch: a TTL query per key would cost one RPC
   * each; `LeaseStore.getLease` and the results of create/update always carry it).
   */
  expiration?: Date | null;
}

export type LeaseEvent =
  | { type: "added"; lease: Lease }
  | { type: "removed"; lease: Lease };

/**
 * One step of a lease watch: a batch of events, or the full set of leases (the first
 * message of a watch, and after compaction or an outage when events may have been missed).
 */
export type LeaseWatchResult =
  | { kind: "events"; events: LeaseEvent[] }
  | {
    kind: "snapshot";
    leases: Lease[];
    /**
     * The store lost its data (etcd restarted empty): leases missing here may only not be
     * re-registered yet, so a LeaseWatcher keeps them until the next plain snapshot, which the
     * store hands over a grace period later.
     */
    reset?: boolean;
  };

/** Whether two leases name the same subnets (upstream `sameSubnet` rules). */
export function sameSubnets(a: LeaseSubnets, b: LeaseSubnets): boolean {
  const v4 = (a.subnet === null && b.subnet === null) || (a.subnet?.equals(b.subnet) ?? false);
  const v6 = (a.ipv6Subnet === null && b.ipv6Subnet === null) ||
    (a.ipv6Subnet?.equals(b.ipv6Subnet) ?? false);
  return v4 && v6;
}
