import { assertEquals } from "../../harness/assert.ts";
import { observeNeigh, observeRoute, opRequest } from "../../../mod/reconcile/netlink_map.ts";
import { RTPROT_FLANNEL } from "../../../mod/reconcile/diff.ts";
import * as K from "../../../mod/netlink/codec/consts.ts";
import { parseCIDR, parseIP } from "../../../mod/ip/mod.ts";
import { fdb, neigh, route } from "./entry_fixtures.ts";

const names = new Map([[5, "flannel.1"], [2, "eth0"]]);
// The ops builders' flags: NLM_F_ACK too, which a batch keeps on its last message only.
const ACK = K.NLM_F_REQUEST | K.NLM_F_ACK;
const REPLACE = ACK | K.NLM_F_CREATE | K.NLM_F_REPLACE;

Deno.test("opRequest() builds `ip route replace … onlink proto 242` and its delete", () => {
  assertEquals(opRequest({ op: "replace", entry: route }, 5, RTPROT_FLANNEL), {
    kind: "route",
    type: K.RTM_NEWROUTE,
    flags: REPLACE,
    body: {
      family: K.AF_INET,
      dst: parseCIDR("10.244.2.0/24"),
      tos: 0,
      rtmTable: K.RT_TABLE_MAIN,
      protocol: RTPROT_FLANNEL,
      scope: K.RT_SCOPE_UNIVERSE,
      type: K.RTN_UNICAST,
      flags: K.RTNH_F_ONLINK,
      oif: 5,
      gateway: parseIP("10.244.2.0"),
    },
  });
  const del = opRequest({ op: "delete", entry: route }, 5, RTPROT_FLANNEL);
  assertEquals([del.type, del.flags], [K.RTM_DELROUTE, ACK]);
  const put = opRequest({ op: "replace", entry: route }, 5, RTPROT_FLANNEL);
  assertEquals(del.body, put.body, "a delete names our protocol, scope and type");
});

Deno.test("opRequest() builds permanent neighbour and self FDB entries", () => {
  const n = opRequest({ op: "replace", entry: neigh }, 5, RTPROT_FLANNEL);
  assertEquals(n.body, {
    family: K.AF_INET,
    index: 5,
    state: K.NUD_PERMANENT,
    flags: 0,
    type: 0,
    dst: parseIP("10.244.2.0"),
    lladdr: "aa:bb:cc:00:00:02",
  });
  const f = opRequest({ op: "replace", entry: fdb }, 5, RTPROT_FLANNEL);
  assertEquals([f.type, f.body], [K.RTM_NEWNEIGH, {
    family: K.AF_BRIDGE,
    index: 5,
    state: K.NUD_PERMANENT,
    flags: K.NTF_SELF,
    type: 0,
    lladdr: "aa:bb:cc:00:00:02",
    dst: parseIP("198.18.0.2"),
  }]);
  const six = opRequest({ op: "delete", entry: { ...neigh, ip: parseIP("fd00::") } }, 5, 0);
  assertEquals([six.type, six.body.family], [K.RTM_DELNEIGH, K.AF_INET6]);
});

Deno.test("observeRoute() reads main-table unicast routes and skips the rest", () => {
  const base = {
    family: K.AF_INET,
    tos: 0,
    rtmTable: K.RT_TABLE_MAIN,
    table: K.RT_TABLE_MAIN,
    protocol: RTPROT_FLANNEL,
    scope: 0,
    type: K.RTN_UNICAST,
    flags: K.RTNH_F_ONLINK,
    dst: parseCIDR("10.244.2.0/24"),
    gateway: parseIP("10.244.2.0"),
    oif: 5,
  };
  assertEquals(observeRoute(base, names), { entry: route, protocol: RTPROT_FLANNEL });
  assertEquals(
    observeRoute({ ...base, table: K.RT_TABLE_LOCAL, rtmTable: K.RT_TABLE_LOCAL }, names),
    null,
  );
  assertEquals(observeRoute({ ...base, type: K.RTN_BLACKHOLE }, names), null);
  assertEquals(observeRoute({ ...base, oif: 99 }, names), null);
});

Deno.test("observeNeigh() reads neighbours and remote FDB entries with their permanence", () => {
  const n = {
    family: K.AF_INET,
    index: 5,
    state: K.NUD_PERMANENT,
    flags: 0,
    type: 1,
    dst: parseIP("10.244.2.0"),
    lladdr: "aa:bb:cc:00:00:02",
  };
  assertEquals(observeNeigh(n, names), { entry: neigh, permanent: true });
  assertEquals(observeNeigh({ ...n, state: K.NUD_STALE }, names)?.permanent, false);
  const f = {
    family: K.AF_BRIDGE,
    index: 5,
    state: K.NUD_PERMANENT,
    flags: K.NTF_SELF,
    type: 0,
    lladdr: "aa:bb:cc:00:00:02",
    dst: parseIP("198.18.0.2"),
  };
  assertEquals(observeNeigh(f, names), { entry: fdb, permanent: true });
  const { dst: _dst, ...local } = f; // the device's own multicast entries carry no dst
  assertEquals(observeNeigh(local, names), null);
  assertEquals(observeNeigh({ ...f, flags: K.NTF_MASTER }, names), null);
});
