import { assert, assertEquals } from "../../../harness/assert.ts";
import { parseIP } from "../../../../mod/ip/mod.ts";
import { Reader, Writer } from "../../../../mod/netlink/codec/bytes.ts";
import * as K from "../../../../mod/netlink/codec/consts.ts";
import { type Link, linkCodec } from "../../../../mod/netlink/codec/link.ts";
import type { LinkInfo } from "../../../../mod/netlink/codec/linkinfo.ts";
import { assertGoldenRequest, decodeGoldenReply } from "../golden.ts";

const ADD = K.NLM_F_REQUEST | K.NLM_F_ACK | K.NLM_F_CREATE | K.NLM_F_EXCL;
const zero = { family: 0, ifType: 0, index: 0, flags: 0, change: 0 };
const add = (body: Partial<Link>) =>
  ({ kind: "link", type: K.RTM_NEWLINK, flags: ADD, body: { ...zero, ...body } }) as const;

Deno.test("vxlan link info matches iproute2 (IPv4, dev, nolearning, port big-endian)", () => {
  assertGoldenRequest(
    "link_add_vxlan",
    add({
      mtu: 1450,
      name: "vx0",
      info: {
        kind: "vxlan",
        vxlan: { link: 2, id: 1, local: parseIP("198.18.0.1"), learning: false, port: 8472 },
      },
    }),
  );
});

Deno.test("vxlan link info matches iproute2 (IPv6 local, gbp, ttl, l2miss, l3miss)", () => {
  assertGoldenRequest(
    "link_add_vxlan6",
    add({
      name: "vx6",
      info: {
        kind: "vxlan",
        vxlan: {
          gbp: true,
          ttl: 64,
          l2miss: true,
          l3miss: true,
          id: 2,
          local: parseIP("2001:db8::1"),
          learning: true,
          port: 4789,
        },
      },
    }),
  );
});

Deno.test("ipip link info matches iproute2 with and without remote", () => {
  const base = {
    proto: 0,
    local: parseIP("198.18.0.1"),
    pmtudisc: true,
    tos: 0,
    link: 0,
    fwmark: 0,
    encapType: 0,
    encapFlags: 0,
    encapSport: 0,
    encapDport: 0,
  };
  assertGoldenRequest(
    "link_add_ipip",
    add({ name: "ipip0", info: { kind: "ipip", ipip: { ...base, ttl: 64 } } }),
  );
  assertGoldenRequest(
    "link_add_ipip_remote",
    add({
      name: "ipip1",
      info: { kind: "ipip", ipip: { ...base, remote: parseIP("198.18.0.2"), ttl: 0 } },
    }),
  );
});

Deno.test("tun link info decodes from a kernel reply", () => {
  const m = decodeGoldenReply("reply_link_tun");
  assert(m.kind === "link");
  assertEquals(m.body.info?.kind, "tun");
  const { attrs: _a, ...tun } = m.body.info!.tun!;
  assertEquals(tun, {
    type: 1,
    pi: false,
    vnetHdr: false,
    persist: true,
    multiQueue: false,
  });
});

Deno.test("unknown kinds and slave data stay raw and re-encode unchanged", () => {
  const info: LinkInfo = {
    kind: "macvlan",
    data: [{ type: 1, data: new Uint8Array([4, 0, 0, 0]) }],
    slaveKind: "bond",
    slaveData: [{ type: 2, data: new Uint8Array([1]) }],
    attrs: [{ type: 9, data: new Uint8Array([7, 7]) }],
  };
  const w = new Writer();
  linkCodec.encode(w, { ...zero, info });
  assertEquals(linkCodec.decode(new Reader(w.bytes()), 0, w.len).info, info);
});

Deno.test("bridge port slave data decodes as a BridgePort", () => {
  const info: LinkInfo = {
    kind: "veth",
    slaveKind: "bridge",
    bridgePort: { hairpin: true, isolated: false },
  };
  const w = new Writer();
  linkCodec.encode(w, { ...zero, info });
  assertEquals(linkCodec.decode(new Reader(w.bytes()), 0, w.len).info, info);
});

Deno.test("a veth without a peer sends no IFLA_INFO_DATA", () => {
  const w = new Writer();
  linkCodec.encode(w, { ...zero, info: { kind: "veth", veth: {} } });
  assertEquals(linkCodec.decode(new Reader(w.bytes()), 0, w.len).info, { kind: "veth" });
});
