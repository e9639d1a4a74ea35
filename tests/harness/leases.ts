/** Lease values for unit tests: `lease("10.244.2.0/24", "198.18.0.2", {...})`. */
import { parseCIDR, parseIP } from "../../mod/ip/mod.ts";
import type { Lease, LeaseAttrs } from "../../mod/lease/types.ts";

export interface LeaseSpec {
  subnet?: string;
  ipv6Subnet?: string;
  publicIP?: string;
  publicIPv6?: string;
  backendType?: string;
  backendData?: unknown;
  backendV6Data?: unknown;
}

/** A lease from text fields; absent fields are null. */
export function lease(s: LeaseSpec): Lease {
  const attrs: LeaseAttrs = {
    publicIP: s.publicIP ? parseIP(s.publicIP) : null,
    publicIPv6: s.publicIPv6 ? parseIP(s.publicIPv6) : null,
    backendType: s.backendType ?? "vxlan",
  };
  if (s.backendData !== undefined) attrs.backendData = s.backendData;
  if (s.backendV6Data !== undefined) attrs.backendV6Data = s.backendV6Data;
  return {
    subnet: s.subnet ? parseCIDR(s.subnet) : null,
    ipv6Subnet: s.ipv6Subnet ? parseCIDR(s.ipv6Subnet) : null,
    attrs,
    expiration: null,
  };
}
