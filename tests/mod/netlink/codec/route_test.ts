import { assert, assertEquals, assertThrows } from "../../../harness/assert.ts";
import { parseCIDR, parseIP } from "../../../../mod/ip/mod.ts";
import { Reader, Writer } from "../../../../mod/netlink/codec/bytes.ts";
import * as K from "../../../../mod/netlink/codec/consts.ts";
import { type Route, routeCodec } from "../../../../mod/netlink/codec/route.ts";
import { NetlinkDecodeError } from "../../../../mod/netlink/errors.ts";
import { assertGoldenRequest, decodeGoldenReply, type Stable } from "../golden.ts";

const ADD = K.NLM_F_REQUEST | K.NLM_F_ACK | K.NLM_F_CREATE | K.NLM_F_EXCL;
const REPLACE = K.NLM_F_REQUEST | K.NLM_F_ACK | K.NLM_F_CREATE | K.NLM_F_REPLACE;
const base: Route = {
  family: K.AF_INET,
  tos: 0,
  rtmTable: K.RT_TABLE_MAIN,
  protocol: K.RTPROT_BOOT,
  scope: K.RT_SCOPE_UNIVERSE,
  type: K.RTN_UNICAST,
  flags: 0,
};
const route = (type: number, flags: number, body: Partial<Route>): Stable => ({
  kind: "route",
  type,
  flags,
  body: { ...base, ...body },
});

const requests: [string, Stable][] = [
  [
    "route_replace_onlink",
    route(K.RTM_NEWROUTE, REPLACE, {
      dst: parseCIDR("10.244.2.0/24"),
      flags: K.RTNH_F_ONLINK,
      gateway: parseIP("10.244.2.0"),
      oif: 6,
    }),
  ],
  [
    "route_add_table",
    route(K.RTM_NEWROUTE, ADD, {
      dst: parseCIDR("10.244.3.0/24"),
      rtmTable: 100,
      protocol: K.RTPROT_STATIC,
      gateway: parseIP("198.18.0.2"),
      priority: 50,
      prefsrc: parseIP("198.18.0.1"),
      oif: 2,
    }),
  ],
  [
    "route_add_table1000",
    route(K.RTM_NEWROUTE, ADD, {
      dst: parseCIDR("10.244.4.0/24"),
      rtmTable: K.RT_TABLE_UNSPEC,
      scope: K.RT_SCOPE_LINK,
      table: 1000,
      oif: 2,
    }),
  ],
  [
    "route_add_blackhole",
    route(K.RTM_NEWROUTE, ADD, { dst: parseCIDR("10.244.9.0/24"), type: K.RTN_BLACKHOLE }),
  ],
  [
    "route_add_default",
    route(K.RTM_NEWROUTE, ADD, { dst: parseCIDR("0.0.0.0/0"), gateway: parseIP("198.18.0.2") }),
  ],
  [
    "route_add6",
    route(K.RTM_NEWROUTE, ADD, {
      family: K.AF_INET6,
      dst: parseCIDR("2001:db8:2::/64"),
      gateway: parseIP("2001:db8:1::2"),
      oif: 8,
    }),
  ],
  [
    "route_del",
    route(K.RTM_DELROUTE, K.NLM_F_REQUEST | K.NLM_F_ACK, {
      dst: parseCIDR("10.244.9.0/24"),
      protocol: 0,
      scope: K.RT_SCOPE_NOWHERE,
      type: 0,
    }),
  ],
  [
    "route_get",
    route(K.RTM_GETROUTE, K.NLM_F_REQUEST, {
      dst: parseCIDR("198.18.0.2/32"),
      rtmTable: 0,
      protocol: 0,
      type: 0,
      flags: K.RTM_F_LOOKUP_TABLE,
    }),
  ],
  [
    "route_dump",
    route(K.RTM_GETROUTE, K.NLM_F_REQUEST | K.NLM_F_DUMP, {
      dst: parseCIDR("0.0.0.0/0"),
      rtmTable: 0,
      protocol: 0,
      type: 0,
      table: K.RT_TABLE_MAIN,
    }),
  ],
  [
    "route_dump6_all",
    route(K.RTM_GETROUTE, K.NLM_F_REQUEST | K.NLM_F_DUMP, {
      family: K.AF_INET6,
      dst: parseCIDR("::/0"),
      rtmTable: 0,
      protocol: 0,
      type: 0,
    }),
  ],
];

Deno.test("route codec matches iproute2 bytes both ways", async (t) => {
  for (const [name, msg] of requests) await t.step(name, () => assertGoldenRequest(name, msg));
});

Deno.test("route codec decodes kernel onlink, blackhole and `ip route get` replies", () => {
  const onlink = decodeGoldenReply("reply_route_onlink");
  assert(onlink.kind === "route");
  assertEquals(onlink.body, {
    ...base,
    dst: parseCIDR("10.244.2.0/24"),
    flags: K.RTNH_F_ONLINK,
    table: K.RT_TABLE_MAIN,
    gateway: parseIP("10.244.2.0"),
    oif: 6,
  });
  const bh = decodeGoldenReply("reply_route_blackhole");
  assert(bh.kind === "route");
  assertEquals([bh.body.type, bh.body.dst], [K.RTN_BLACKHOLE, parseCIDR("10.244.8.0/24")]);
  const got = decodeGoldenReply("reply_route_get");
  assert(got.kind === "route");
  assertEquals([got.body.oif, got.body.prefsrc, got.body.gateway], [
    2,
    parseIP("198.18.0.1"),
    undefined,
  ]);
  assertEquals(got.body.dst, parseCIDR("198.18.0.2/32"));
  assertEquals(got.body.flags & K.RTM_F_CLONED, K.RTM_F_CLONED);
});

Deno.test("route codec rejects a prefix length longer than the family allows", () => {
  const w = new Writer();
  routeCodec.encode(w, { ...base, dst: parseCIDR("10.0.0.0/8") });
  const b = w.bytes().slice();
  b[1] = 33;
  const e = assertThrows(() => routeCodec.decode(new Reader(b), 0, b.length), NetlinkDecodeError);
  assertEquals(e.offset, 1);
});
