/**
 * Shared set-up for the live netlink tests: every test builds its own namespaces (deleted in
 * finally by `withNetns`) and opens its sockets inside them. Nothing touches the root netns.
 */
import { isRoot, linkVeth, type Netns, NOT_ROOT } from "../../../scripts/lab/netns.ts";
import { parseIP } from "../../../mod/ip/mod.ts";
import type { Link } from "../../../mod/netlink/codec/link.ts";
import { Rtnl } from "../../../mod/netlink/rtnl.ts";

/** Live tests need root (namespaces, CAP_NET_ADMIN); they are ignored otherwise. */
export const ignore = !isRoot;
if (ignore) console.warn(`live netlink tests ignored: ${NOT_ROOT}`);

/** A node: netns `a` with underlay `eth0` (198.18.0.1/24, peer in `b`) and vxlan `vx0` up. */
export async function vxlanNode(a: Netns, b: Netns): Promise<{ nl: Rtnl; vx: Link; eth: Link }> {
  await linkVeth(a, "eth0", b, "eth0", "198.18.0.1/24", "198.18.0.2/24");
  const nl = Rtnl.open({ netns: a.path, timeoutMs: 5000 });
  try {
    const eth = nl.link.get("eth0");
    nl.link.add({
      name: "vx0",
      mtu: 1450,
      info: {
        kind: "vxlan",
        vxlan: {
          id: 1,
          link: eth.index,
          local: parseIP("198.18.0.1"),
          learning: false,
          port: 8472,
        },
      },
    });
    nl.link.set("vx0", { up: true });
    return { nl, vx: nl.link.get("vx0"), eth };
  } catch (e) {
    nl.close();
    throw e;
  }
}

/** One `ip -j` record (loosely typed: tests read a few fields). */
// deno-lint-ignore no-explicit-any
export type J = Record<string, any>;
