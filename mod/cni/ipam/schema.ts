/**
 * host-local's config as the reference's Go decoder types it (spec/cni.md §3.3), for
 * `goDecodeError` (go_decode.ts): a wrong JSON type anywhere is refused with encoding/json's
 * message, where a lax reading would take e.g. a numeric `dataDir` for the default directory.
 */
import { tryParseCIDRWithHost, tryParseIP } from "../../ip/mod.ts";
import { GoT, type GoType } from "../go_decode.ts";

const { string, int } = GoT;
const netIP = GoT.text("net.IP", (s) => (tryParseIP(s) ? null : `invalid IP address: ${s}`));
const ipNet = GoT.text(
  "string",
  (s) => (tryParseCIDRWithHost(s) ? null : `invalid CIDR address: ${s}`),
);
/** `ip.IP` of the plugins' `pkg/ip` (requested addresses): an address with or without prefix. */
const pkgIP = GoT.text("*ip.IP", (s) => {
  const ok = tryParseIP(s) ?? tryParseCIDRWithHost(s);
  return ok ? null : `invalid IP address ${s}`;
});
const RANGE = { rangeStart: netIP, rangeEnd: netIP, subnet: ipNet, gateway: netIP };
const RANGE_SETS = GoT.slice(
  "[]allocator.RangeSet",
  GoT.slice("allocator.RangeSet", GoT.struct("allocator.Range", "Range", RANGE)),
);
const ROUTE = GoT.struct("types.route", "route", {
  dst: ipNet,
  gw: netIP,
  mtu: int,
  advmss: int,
  priority: int,
  table: int,
  scope: int,
}, true);

/** host-local's `Net` (allocator/config.go) as Go decodes it, plus our `rangeFromFile`. */
export const HOST_LOCAL_NET: GoType = GoT.struct("allocator.Net", "Net", {
  name: string,
  cniVersion: string,
  ipam: GoT.struct("allocator.IPAMConfig", "IPAMConfig", {
    ...RANGE,
    type: string,
    routes: GoT.slice("[]*types.Route", ROUTE),
    dataDir: string,
    resolvConf: string,
    ranges: RANGE_SETS,
    rangeFromFile: string,
  }),
  runtimeConfig: GoT.struct(
    'struct { IPRanges []allocator.RangeSet "json:\\"ipRanges,omitempty\\""; IPs []*ip.IP "json:\\"ips,omitempty\\"" }',
    "",
    { ipRanges: RANGE_SETS, ips: GoT.slice("[]*ip.IP", pkgIP) },
  ),
  args: GoT.struct('struct { A *allocator.IPAMArgs "json:\\"cni\\"" }', "", {
    cni: GoT.struct("allocator.IPAMArgs", "IPAMArgs", { ips: GoT.slice("[]*ip.IP", pkgIP) }),
  }),
});
