import { assertEquals } from "../../../harness/assert.ts";
import { parseCIDR, parseIP } from "../../../../mod/ip/mod.ts";
import * as K from "../../../../mod/netlink/codec/consts.ts";
import { Conn } from "../../../../mod/netlink/conn.ts";
import {
  routeAdd,
  routeDel,
  routeDump,
  routeGet,
  RouteOps,
  routeReplace,
} from "../../../../mod/netlink/ops/route.ts";
import { FakeKernel } from "../fake_kernel.ts";
import { goldenRequest } from "../golden.ts";

Deno.test("route request builders equal what iproute2 sends", () => {
  assertEquals(
    routeReplace({
      dst: parseCIDR("10.244.2.0/24"),
      gateway: parseIP("10.244.2.0"),
      oif: 6,
      onlink: true,
    }),
    goldenRequest("route_replace_onlink"),
  );
  assertEquals(
    routeAdd({
      dst: parseCIDR("10.244.3.0/24"),
      gateway: parseIP("198.18.0.2"),
      oif: 2,
      protocol: K.RTPROT_STATIC,
      table: 100,
      priority: 50,
      prefsrc: parseIP("198.18.0.1"),
    }),
    goldenRequest("route_add_table"),
  );
  assertEquals(
    routeAdd({ dst: parseCIDR("10.244.4.0/24"), oif: 2, table: 1000 }),
    goldenRequest("route_add_table1000"),
  );
  assertEquals(
    routeAdd({ dst: parseCIDR("10.244.9.0/24"), type: K.RTN_BLACKHOLE }),
    goldenRequest("route_add_blackhole"),
  );
  assertEquals(
    routeAdd({ dst: parseCIDR("0.0.0.0/0"), gateway: parseIP("198.18.0.2") }),
    goldenRequest("route_add_default"),
  );
  assertEquals(
    routeAdd({ dst: parseCIDR("2001:db8:2::/64"), gateway: parseIP("2001:db8:1::2"), oif: 8 }),
    goldenRequest("route_add6"),
  );
  assertEquals(routeDel({ dst: parseCIDR("10.244.9.0/24") }), goldenRequest("route_del"));
  assertEquals(routeGet(parseIP("198.18.0.2")), goldenRequest("route_get"));
  assertEquals(routeDump(), goldenRequest("route_dump"));
  assertEquals(routeDump(K.AF_INET6, "all"), goldenRequest("route_dump6_all"));
});

Deno.test("RouteOps: add/replace/del, get with oif, list", () => {
  const found = routeReplace({
    dst: parseCIDR("10.244.2.0/24"),
    gateway: parseIP("10.244.2.0"),
    oif: 6,
    onlink: true,
  }).body;
  const k = new FakeKernel((m) => (m.type === K.RTM_GETROUTE ? { objects: [found] } : {}));
  const ops = new RouteOps(new Conn(k));
  const spec = { dst: parseCIDR("10.244.2.0/24"), oif: 6 };
  ops.add(spec);
  ops.replace(spec);
  ops.del(spec);
  assertEquals(ops.get(parseIP("10.244.2.9"), { oif: 6 }), found);
  assertEquals(k.sent.at(-1)!.body, { ...routeGet(parseIP("10.244.2.9")).body, oif: 6 });
  assertEquals(ops.list({ family: K.AF_INET6, table: 100 }), [found]);
  assertEquals(k.sent.at(-1)!.body.family, K.AF_INET6);
  assertEquals(routeAdd(spec).body.scope, K.RT_SCOPE_LINK, "no gateway: scope link");
});
