/** One peer's three vxlan entries (route, neighbour, FDB), shared by the reconcile tests. */
import type { FdbEntry, NeighEntry, RouteEntry } from "../../../mod/reconcile/entries.ts";
import { parseCIDR, parseIP } from "../../../mod/ip/mod.ts";

export const route: RouteEntry = {
  kind: "route",
  dst: parseCIDR("10.244.2.0/24"),
  gateway: parseIP("10.244.2.0"),
  dev: "flannel.1",
  onlink: true,
};
export const neigh: NeighEntry = {
  kind: "neigh",
  dev: "flannel.1",
  ip: parseIP("10.244.2.0"),
  mac: "aa:bb:cc:00:00:02",
};
export const fdb: FdbEntry = {
  kind: "fdb",
  dev: "flannel.1",
  mac: "aa:bb:cc:00:00:02",
  dst: parseIP("198.18.0.2"),
};
