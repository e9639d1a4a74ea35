import { assert, assertEquals, assertThrows } from "../../../harness/assert.ts";
import { parseIP } from "../../../../mod/ip/mod.ts";
import { Reader, Writer } from "../../../../mod/netlink/codec/bytes.ts";
import * as K from "../../../../mod/netlink/codec/consts.ts";
import { type Link, linkCodec } from "../../../../mod/netlink/codec/link.ts";
import { NetlinkDecodeError } from "../../../../mod/netlink/errors.ts";
import { assertGoldenRequest, decodeGoldenReply, type Stable } from "../golden.ts";

const ADD = K.NLM_F_REQUEST | K.NLM_F_ACK | K.NLM_F_CREATE | K.NLM_F_EXCL;
const SET = K.NLM_F_REQUEST | K.NLM_F_ACK;
const zero = { family: 0, ifType: 0, index: 0, flags: 0, change: 0 };

function link(type: number, flags: number, body: Partial<Link>): Stable {
  return { kind: "link", type, flags, body: { ...zero, ...body } };
}

const requests: [string, Stable][] = [
  [
    "link_add_bridge",
    link(K.RTM_NEWLINK, ADD, { mtu: 1450, name: "br0", info: { kind: "bridge" } }),
  ],
  ["link_add_wireguard", link(K.RTM_NEWLINK, ADD, { name: "wg0", info: { kind: "wireguard" } })],
  [
    "link_add_veth_netns",
    link(K.RTM_NEWLINK, ADD, {
      mtu: 1450,
      name: "eth0",
      info: { kind: "veth", veth: { peer: { ...zero, netnsFd: 4, name: "vethab12cd34" } } },
    }),
  ],
  ["link_set_up", link(K.RTM_NEWLINK, SET, { index: 6, flags: K.IFF_UP, change: K.IFF_UP })],
  ["link_set_down", link(K.RTM_NEWLINK, SET, { index: 6, flags: 0, change: K.IFF_UP })],
  [
    "link_set_mtu_address",
    link(K.RTM_NEWLINK, SET, { index: 6, mtu: 1400, mac: "0e:00:00:00:00:01" }),
  ],
  ["link_set_master", link(K.RTM_NEWLINK, SET, { index: 4, master: 8 })],
  ["link_set_nomaster", link(K.RTM_NEWLINK, SET, { index: 3, master: 0 })],
  ["link_set_netns", link(K.RTM_NEWLINK, SET, { index: 3, netnsFd: 4 })],
  ["link_del", link(K.RTM_DELLINK, SET, { index: 7 })],
  [
    "link_get",
    link(K.RTM_GETLINK, K.NLM_F_REQUEST, { family: K.AF_PACKET, name: "vx0", extMask: 1 }),
  ],
  [
    "link_dump",
    link(K.RTM_GETLINK, K.NLM_F_REQUEST | K.NLM_F_DUMP, { family: K.AF_PACKET, extMask: 1 }),
  ],
  [
    "bridge_link_hairpin",
    link(K.RTM_SETLINK, SET, { family: K.AF_BRIDGE, index: 4, protinfo: { hairpin: true } }),
  ],
  [
    "bridge_link_flags",
    link(K.RTM_SETLINK, SET, {
      family: K.AF_BRIDGE,
      index: 4,
      protinfo: { hairpin: false, learning: false, isolated: true },
    }),
  ],
];

Deno.test("link codec matches iproute2 bytes both ways", async (t) => {
  for (const [name, msg] of requests) {
    await t.step(name, () => assertGoldenRequest(name, msg));
  }
});

Deno.test("link codec decodes a kernel vxlan link losslessly", () => {
  const m = decodeGoldenReply("reply_link_vxlan");
  assert(m.kind === "link");
  const l = m.body;
  assertEquals([l.index, l.name, l.mtu, l.mac, l.flags & K.IFF_UP], [
    6,
    "vx0",
    1400,
    "0e:00:00:00:00:01",
    1,
  ]);
  assertEquals(l.info?.kind, "vxlan");
  const { attrs, ...vx } = l.info!.vxlan!;
  assertEquals(vx, {
    id: 1,
    link: 2,
    local: parseIP("198.18.0.1"),
    ttl: 0,
    tos: 0,
    learning: false,
    l2miss: false,
    l3miss: false,
    ageing: 300,
    port: 8472,
  });
  assert(attrs!.length > 5, "unknown IFLA_VXLAN_* kept raw");
  assert(l.attrs!.some((a) => a.type === 23 && a.data.length === 200), "IFLA_STATS64 kept raw");
});

Deno.test("link codec reads a bridge, its port and a veth peer from kernel replies", () => {
  const br = decodeGoldenReply("reply_link_bridge");
  assert(br.kind === "link");
  assertEquals([br.body.name, br.body.info?.kind, br.body.mtu], ["br0", "bridge", 1500]);
  assert(br.body.info!.data!.length > 10, "IFLA_BR_* kept raw");
  const veth = decodeGoldenReply("reply_link_veth");
  assert(veth.kind === "link");
  assertEquals([veth.body.name, veth.body.info?.kind, veth.body.mtu], ["eth0", "veth", 1450]);
  assertEquals(veth.body.linkNetnsId, 0, "peer lives in another netns");
  const port = decodeGoldenReply("reply_link_protinfo");
  assert(port.kind === "link");
  assertEquals(port.body.family, K.AF_BRIDGE);
  assertEquals(port.body.name, "veth2");
  assertEquals(port.body.master, 8);
  assertEquals(port.body.protinfo?.hairpin, true);
});

Deno.test("link codec keeps IFLA_PROTINFO raw outside AF_BRIDGE", () => {
  const w = new Writer();
  linkCodec.encode(w, {
    ...zero,
    family: K.AF_INET6,
    attrs: [{ type: K.IFLA_PROTINFO, data: new Uint8Array(8) }],
  });
  const l = linkCodec.decode(new Reader(w.bytes()), 0, w.len);
  assertEquals(l.protinfo, undefined);
  assertEquals(l.attrs, [{ type: K.IFLA_PROTINFO, data: new Uint8Array(8) }]);
});

Deno.test("link codec rejects a short ifinfomsg and a bad IFLA_MTU with offsets", () => {
  const e = assertThrows(
    () => linkCodec.decode(new Reader(new Uint8Array(12)), 0, 12),
    NetlinkDecodeError,
  );
  assertEquals(e.offset, 0);
  const w = new Writer();
  linkCodec.encode(w, { ...zero, mtu: 1500 });
  const b = w.bytes().slice();
  b[16] = 6; // IFLA_MTU attribute claims 2 payload bytes
  const e2 = assertThrows(() => linkCodec.decode(new Reader(b), 0, b.length), NetlinkDecodeError);
  assertEquals(e2.offset, 16);
});
