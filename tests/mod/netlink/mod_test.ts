import { assertEquals } from "../../harness/assert.ts";
import * as netlink from "../../../mod/netlink/mod.ts";

Deno.test("netlink/mod.ts exports the client, builders, codec and errors", () => {
  const m = netlink as Record<string, unknown>;
  for (
    const name of [
      "Rtnl",
      "Conn",
      "subscribe",
      "Subscription",
      "NetlinkSocket",
      "openNetns",
      "inNetns",
      "NetlinkError",
      "NetlinkDecodeError",
      "neighReplace",
      "fdbReplace",
      "routeReplace",
      "linkAdd",
      "addrReplace",
      "encodeMessage",
      "decodeMessages",
    ]
  ) assertEquals(typeof m[name], "function", name);
});
