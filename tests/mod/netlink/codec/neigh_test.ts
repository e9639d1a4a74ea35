import { assert, assertEquals } from "../../../harness/assert.ts";
import { parseIP } from "../../../../mod/ip/mod.ts";
import { Reader, Writer } from "../../../../mod/netlink/codec/bytes.ts";
import * as K from "../../../../mod/netlink/codec/consts.ts";
import { type Neigh, neighCodec } from "../../../../mod/netlink/codec/neigh.ts";
import { assertGoldenRequest, decodeGoldenReply, type Stable } from "../golden.ts";

const REPLACE = K.NLM_F_REQUEST | K.NLM_F_ACK | K.NLM_F_CREATE | K.NLM_F_REPLACE;
const ACK = K.NLM_F_REQUEST | K.NLM_F_ACK;
const MAC = "0e:aa:00:00:00:02";
const neigh = (type: number, flags: number, body: Partial<Neigh>): Stable => ({
  kind: "neigh",
  type,
  flags,
  body: { family: K.AF_INET, index: 0, state: 0, flags: 0, type: 0, ...body },
});
const fdb = {
  family: K.AF_BRIDGE,
  index: 6,
  state: K.NUD_PERMANENT | K.NUD_NOARP,
  flags: K.NTF_SELF,
};

const requests: [string, Stable][] = [
  [
    "neigh_replace4",
    neigh(K.RTM_NEWNEIGH, REPLACE, {
      index: 6,
      state: K.NUD_PERMANENT,
      dst: parseIP("10.244.2.0"),
      lladdr: MAC,
    }),
  ],
  [
    "neigh_replace6",
    neigh(K.RTM_NEWNEIGH, REPLACE, {
      family: K.AF_INET6,
      index: 8,
      state: K.NUD_PERMANENT,
      dst: parseIP("2001:db8:1::2"),
      lladdr: MAC,
    }),
  ],
  [
    "neigh_del",
    neigh(K.RTM_DELNEIGH, ACK, { index: 6, state: K.NUD_PERMANENT, dst: parseIP("10.244.2.0") }),
  ],
  ["neigh_dump", neigh(K.RTM_GETNEIGH, K.NLM_F_REQUEST | K.NLM_F_DUMP, { family: 0 })],
  ["neigh_dump4", neigh(K.RTM_GETNEIGH, K.NLM_F_REQUEST | K.NLM_F_DUMP, {})],
  [
    "fdb_append",
    neigh(K.RTM_NEWNEIGH, ACK | K.NLM_F_CREATE | K.NLM_F_APPEND, {
      ...fdb,
      lladdr: "00:00:00:00:00:00",
      dst: parseIP("198.18.0.2"),
    }),
  ],
  [
    "fdb_replace",
    neigh(K.RTM_NEWNEIGH, REPLACE, { ...fdb, lladdr: MAC, dst: parseIP("198.18.0.2") }),
  ],
  ["fdb_del", neigh(K.RTM_DELNEIGH, ACK, { ...fdb, lladdr: MAC, dst: parseIP("198.18.0.2") })],
  [
    "fdb_dump",
    neigh(K.RTM_GETNEIGH, K.NLM_F_REQUEST | K.NLM_F_DUMP, { family: K.AF_BRIDGE, index: 6 }),
  ],
];

Deno.test("neigh codec matches iproute2 and bridge bytes both ways", async (t) => {
  for (const [name, msg] of requests) await t.step(name, () => assertGoldenRequest(name, msg));
});

Deno.test("neigh codec decodes kernel ARP and FDB entries, keeping NDA_CACHEINFO raw", () => {
  const n = decodeGoldenReply("reply_neigh");
  assert(n.kind === "neigh");
  const { attrs, ...arp } = n.body;
  assertEquals(arp, {
    family: K.AF_INET,
    index: 6,
    state: K.NUD_PERMANENT,
    flags: 0,
    type: K.RTN_UNICAST,
    dst: parseIP("10.244.2.0"),
    lladdr: MAC,
    probes: 0,
  });
  assertEquals(attrs?.map((a) => [a.type, a.data.length]), [[K.NDA_CACHEINFO, 16]]);
  const f = decodeGoldenReply("reply_fdb");
  assert(f.kind === "neigh");
  assertEquals([f.body.family, f.body.flags, f.body.lladdr, f.body.dst], [
    K.AF_BRIDGE,
    K.NTF_SELF,
    MAC,
    parseIP("198.18.0.2"),
  ]);
});

Deno.test("neigh codec round-trips vxlan FDB extras (port, vni, ifindex, master, vlan)", () => {
  const v: Neigh = {
    ...fdb,
    type: 0,
    lladdr: MAC,
    dst: parseIP("198.18.0.2"),
    port: 8472,
    vni: 7,
    vlan: 3,
    ifindex: 9,
    master: 4,
  };
  const w = new Writer();
  neighCodec.encode(w, v);
  assertEquals(neighCodec.decode(new Reader(w.bytes()), 0, w.len), v);
  assertEquals(
    [...w.bytes().subarray(40, 48)],
    [6, 0, K.NDA_PORT, 0, 0x21, 0x18, 0, 0],
    "NDA_PORT big-endian",
  );
});
