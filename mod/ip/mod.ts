/**
 * IPv4/IPv6 addresses and CIDR networks, one family-generic path.
 *
 * @example
 * ```ts
 * import { parseCIDR, parseIP } from "./mod/ip/mod.ts";
 * parseCIDR("10.3.1.5/16").toString(); // "10.3.0.0/16"
 * parseCIDR("10.244.0.0/16").contains(parseIP("10.244.3.4")); // true
 * ```
 */
export * from "./addr.ts";
export * from "./net.ts";
