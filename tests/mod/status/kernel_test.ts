import { assertEquals } from "../../harness/assert.ts";
import * as K from "../../../mod/netlink/codec/consts.ts";
import { parseCIDR } from "../../../mod/ip/mod.ts";
import { summarizeKernel } from "../../../mod/status/kernel.ts";
import { link, MAC1, route, vxlanNode } from "./dump.ts";

const NETS = [parseCIDR("10.244.0.0/16"), parseCIDR("fd00:10::/48")];

Deno.test("summarizeKernel() describes flannel devices and counts only their entries", () => {
  const s = summarizeKernel(vxlanNode(), NETS);
  assertEquals(s.devices.map((d) => d.name), ["flannel-v6.1", "flannel.1"]);
  assertEquals(s.devices[1], {
    name: "flannel.1",
    kind: "vxlan",
    up: true,
    mtu: 1450,
    mac: MAC1,
    vni: 1,
    local: "198.18.0.11",
    port: 8472,
    addresses: ["10.244.1.0/32"],
    routes: 1,
    neighbours: 1,
    fdb: 1,
  });
  assertEquals(s.devices[0]!.addresses, ["fd00:10:0:1::/128"], "link-local left out");
  assertEquals([s.routes, s.routesProto242, s.neighbours, s.fdb], [2, 2, 2, 2]);
});

Deno.test("summarizeKernel() counts upstream's routes (default protocol) into the network", () => {
  const dump = vxlanNode();
  dump.routes = [
    route("10.244.2.0/24", 4, { protocol: K.RTPROT_BOOT }),
    route("10.245.0.0/24", 4, { protocol: K.RTPROT_BOOT }), // outside the network
    route("10.244.3.0/24", 2, { protocol: K.RTPROT_BOOT }), // not on a flannel device
  ];
  const s = summarizeKernel(dump, NETS);
  assertEquals([s.routes, s.routesProto242, s.devices[1]!.routes], [1, 0, 1]);
  assertEquals(summarizeKernel(dump, []).routes, 0, "no networks known: protocol 242 only");
});

Deno.test("summarizeKernel() counts host-gw routes (protocol 242 on the external interface)", () => {
  const s = summarizeKernel({
    links: [link(2, "eth0", { mtu: 1500 })],
    addrs: [],
    routes: [
      route("10.244.2.0/24", 2),
      route("10.244.3.0/24", 2),
      route("10.244.0.0/16", 2, {
        protocol: K.RTPROT_BOOT,
      }),
    ],
    neighs: [],
    fdb: [],
  }, NETS);
  assertEquals(s, { devices: [], routes: 2, routesProto242: 2, neighbours: 0, fdb: 0 });
});

Deno.test("summarizeKernel() reports a down device and one without vxlan data", () => {
  const s = summarizeKernel({
    links: [link(7, "flannel0", { flags: 0, mtu: 1472, info: { kind: "tun" } })],
    addrs: [],
    routes: [],
    neighs: [],
    fdb: [],
  }, NETS);
  assertEquals(s.devices[0], {
    name: "flannel0",
    kind: "tun",
    up: false,
    mtu: 1472,
    mac: null,
    vni: null,
    local: null,
    port: null,
    addresses: [],
    routes: 0,
    neighbours: 0,
    fdb: 0,
  });
});

Deno.test("summarizeKernel() counts what the reconciler owns: table main, inside the networks", () => {
  const dump = vxlanNode();
  dump.routes = [
    route("10.244.2.0/24", 4),
    route("192.168.9.0/24", 2), // protocol 242 outside the networks: not the agent's
    route("10.244.3.0/24", 4, { rtmTable: 100, table: 100 }), // another table
    route("10.244.4.0/24", 4, { type: K.RTN_BLACKHOLE }),
  ];
  const s = summarizeKernel(dump, NETS);
  assertEquals([s.routes, s.routesProto242, s.devices[1]!.routes], [1, 1, 1]);
  const unknown = summarizeKernel(dump, []);
  assertEquals([unknown.routes, unknown.routesProto242], [2, 2], "no networks: protocol 242 only");
});
