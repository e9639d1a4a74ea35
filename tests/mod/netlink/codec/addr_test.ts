import { assert, assertEquals } from "../../../harness/assert.ts";
import { parseIP } from "../../../../mod/ip/mod.ts";
import type { Addr } from "../../../../mod/netlink/codec/addr.ts";
import * as K from "../../../../mod/netlink/codec/consts.ts";
import { assertGoldenRequest, decodeGoldenReply, type Stable } from "../golden.ts";

const CREATE = K.NLM_F_REQUEST | K.NLM_F_ACK | K.NLM_F_CREATE;
const addr = (type: number, flags: number, body: Addr): Stable => ({
  kind: "addr",
  type,
  flags,
  body,
});
const v4 = (ip: string, prefixLen: number, index: number): Addr => ({
  family: K.AF_INET,
  prefixLen,
  ifaFlags: 0,
  scope: 0,
  index,
  local: parseIP(ip),
  address: parseIP(ip),
});

const requests: [string, Stable][] = [
  ["addr_add4", addr(K.RTM_NEWADDR, CREATE | K.NLM_F_EXCL, v4("10.244.1.0", 32, 6))],
  ["addr_add4_24", addr(K.RTM_NEWADDR, CREATE | K.NLM_F_EXCL, v4("10.244.1.1", 24, 8))],
  ["addr_replace", addr(K.RTM_NEWADDR, CREATE | K.NLM_F_REPLACE, v4("10.244.1.0", 32, 6))],
  ["addr_del", addr(K.RTM_DELADDR, K.NLM_F_REQUEST | K.NLM_F_ACK, v4("10.244.1.0", 32, 6))],
  [
    "addr_add6",
    addr(K.RTM_NEWADDR, CREATE | K.NLM_F_EXCL, {
      family: K.AF_INET6,
      prefixLen: 64,
      ifaFlags: K.IFA_F_NODAD,
      scope: 0,
      index: 8,
      local: parseIP("2001:db8:1::1"),
      address: parseIP("2001:db8:1::1"),
    }),
  ],
  [
    "addr_dump",
    addr(K.RTM_GETADDR, K.NLM_F_REQUEST | K.NLM_F_DUMP, {
      family: 0,
      prefixLen: 0,
      ifaFlags: 0,
      scope: 0,
      index: 0,
    }),
  ],
];

Deno.test("addr codec matches iproute2 bytes both ways", async (t) => {
  for (const [name, msg] of requests) await t.step(name, () => assertGoldenRequest(name, msg));
});

Deno.test("addr codec decodes kernel IPv4 and IPv6 addresses", () => {
  const a = decodeGoldenReply("reply_addr4");
  assert(a.kind === "addr");
  const { cacheinfo, ...v4body } = a.body;
  assertEquals(v4body, {
    family: K.AF_INET,
    prefixLen: 24,
    ifaFlags: K.IFA_F_PERMANENT,
    scope: 0,
    index: 8,
    address: parseIP("10.244.1.1"),
    local: parseIP("10.244.1.1"),
    label: "br0",
    flags: K.IFA_F_PERMANENT,
  });
  assertEquals(cacheinfo?.valid, 0xffffffff);
  const b = decodeGoldenReply("reply_addr6");
  assert(b.kind === "addr");
  assertEquals(b.body.address, parseIP("2001:db8:1::1"));
  assertEquals(b.body.flags, K.IFA_F_PERMANENT | K.IFA_F_NODAD);
});
