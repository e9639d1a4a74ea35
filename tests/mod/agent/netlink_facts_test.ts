import { assertEquals } from "../../harness/assert.ts";
import {
  deviceAddrOf,
  ifaceFacts,
  linkInfoOf,
  vxlanLinkSpec,
} from "../../../mod/agent/netlink_facts.ts";
import * as K from "../../../mod/netlink/codec/consts.ts";
import { linkAdd } from "../../../mod/netlink/ops/link.ts";
import type { Addr } from "../../../mod/netlink/codec/addr.ts";
import type { Link } from "../../../mod/netlink/codec/link.ts";
import type { Route } from "../../../mod/netlink/codec/route.ts";
import { parseCIDR, parseIP } from "../../../mod/ip/mod.ts";
import { flannel1Attrs, flannel1Spec } from "../../harness/vxlan_fixtures.ts";

const eth0: Link = {
  family: 0,
  ifType: 1,
  index: 2,
  flags: K.IFF_UP,
  change: 0,
  mtu: 1500,
  name: "eth0",
  mac: "02:00:00:00:00:01",
};
const vx: Link = {
  family: 0,
  ifType: 1,
  index: 7,
  flags: 0,
  change: 0,
  mtu: 1450,
  name: "flannel.1",
  mac: "0e:00:00:00:00:07",
  info: {
    kind: "vxlan",
    vxlan: {
      id: 1,
      link: 2,
      local: parseIP("198.18.0.1"),
      port: 8472,
      learning: false,
      l2miss: false,
      l3miss: false,
    },
  },
};

Deno.test("linkInfoOf() reads kind, MTU, MAC, state and vxlan attributes", () => {
  assertEquals(linkInfoOf(eth0), {
    index: 2,
    name: "eth0",
    kind: "",
    mtu: 1500,
    mac: "02:00:00:00:00:01",
    up: true,
  });
  assertEquals(linkInfoOf(vx).vxlan, flannel1Attrs());
});

Deno.test("vxlanLinkSpec() round-trips through linkAdd() and linkInfoOf()", () => {
  const spec = flannel1Spec({ mac: "0e:00:00:00:00:07" });
  const body = linkAdd(vxlanLinkSpec(spec)).body;
  assertEquals(body.info?.vxlan?.port, undefined, "port 0 is not sent: the kernel default applies");
  const back = linkInfoOf({ ...body, index: 7 });
  assertEquals([back.name, back.mtu, back.mac, back.vxlan?.vni, back.vxlan?.local?.toString()], [
    "flannel.1",
    1450,
    "0e:00:00:00:00:07",
    1,
    "198.18.0.1",
  ]);
});

Deno.test("ifaceFacts() maps addresses, flags and default routes", () => {
  const a = (index: number, ip: string, len: number, scope: number, flags: number): Addr => ({
    family: ip.includes(":") ? K.AF_INET6 : K.AF_INET,
    prefixLen: len,
    ifaFlags: flags & 0xff,
    scope,
    index,
    local: parseIP(ip),
    address: parseIP(ip),
    flags,
  });
  const route = (family: number, dst: string | null, oif: number): Route => ({
    family,
    tos: 0,
    rtmTable: K.RT_TABLE_MAIN,
    table: K.RT_TABLE_MAIN,
    protocol: 3,
    scope: 0,
    type: K.RTN_UNICAST,
    flags: 0,
    oif,
    ...(dst ? { dst: parseCIDR(dst) } : {}),
  });
  const f = ifaceFacts(
    [eth0, vx],
    [
      a(2, "198.18.0.1", 24, 0, K.IFA_F_PERMANENT),
      a(2, "2001:db8::5", 64, 0, 0x01 | 0x20),
      a(2, "fe80::1", 64, K.RT_SCOPE_LINK, K.IFA_F_PERMANENT),
    ],
    [
      route(K.AF_INET, "10.0.0.0/8", 2),
      route(K.AF_INET, "0.0.0.0/0", 2),
      route(K.AF_INET6, null, 7),
    ],
    { ...route(K.AF_INET, "198.18.0.9/32", 2), prefsrc: parseIP("198.18.0.1") },
  );
  assertEquals(f.links, [{ index: 2, name: "eth0", mtu: 1500 }, {
    index: 7,
    name: "flannel.1",
    mtu: 1450,
  }]);
  assertEquals(f.addrs.map((x) => [`${x.ip}`, x.scope, x.permanent, x.deprecated, x.temporary]), [
    ["198.18.0.1", "global", true, false, false],
    ["2001:db8::5", "global", false, true, true],
    ["fe80::1", "link", true, false, false],
  ]);
  assertEquals(f.defaultRoute, { 4: 2, 6: 7 });
  assertEquals(f.canReach, { index: 2, src: parseIP("198.18.0.1") });
  assertEquals(
    deviceAddrOf({ family: K.AF_INET, prefixLen: 32, ifaFlags: 0, scope: 0, index: 7 }),
    null,
  );
});
