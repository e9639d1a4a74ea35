import { assertEquals } from "../../../harness/assert.ts";
import { parseIP } from "../../../../mod/ip/mod.ts";
import * as K from "../../../../mod/netlink/codec/consts.ts";
import { Conn } from "../../../../mod/netlink/conn.ts";
import {
  addrAdd,
  addrDel,
  addrDump,
  AddrOps,
  addrReplace,
  afOf,
} from "../../../../mod/netlink/ops/addr.ts";
import { FakeKernel } from "../fake_kernel.ts";
import { goldenRequest } from "../golden.ts";

Deno.test("addr request builders equal what iproute2 sends", () => {
  const a = { index: 6, address: parseIP("10.244.1.0"), prefixLen: 32 };
  assertEquals(addrAdd(a), goldenRequest("addr_add4"));
  assertEquals(
    addrAdd({ index: 8, address: parseIP("10.244.1.1"), prefixLen: 24 }),
    goldenRequest("addr_add4_24"),
  );
  assertEquals(
    addrAdd({ index: 8, address: parseIP("2001:db8:1::1"), prefixLen: 64, flags: K.IFA_F_NODAD }),
    goldenRequest("addr_add6"),
  );
  assertEquals(addrReplace(a), goldenRequest("addr_replace"));
  assertEquals(addrDel(a), goldenRequest("addr_del"));
  assertEquals(addrDump(), goldenRequest("addr_dump"));
});

Deno.test("flags above 0xff go to IFA_FLAGS; peer, broadcast, label, scope are kept", () => {
  const b = addrAdd({
    index: 2,
    address: parseIP("10.0.0.1"),
    prefixLen: 32,
    peer: parseIP("10.0.0.2"),
    broadcast: parseIP("10.0.0.255"),
    label: "eth0:1",
    scope: K.RT_SCOPE_LINK,
    flags: K.IFA_F_NOPREFIXROUTE | K.IFA_F_NODAD,
  }).body;
  assertEquals([b.ifaFlags, b.flags, b.address, b.broadcast, b.label, b.scope], [
    K.IFA_F_NODAD,
    K.IFA_F_NOPREFIXROUTE | K.IFA_F_NODAD,
    parseIP("10.0.0.2"),
    parseIP("10.0.0.255"),
    "eth0:1",
    K.RT_SCOPE_LINK,
  ]);
  assertEquals([afOf(parseIP("::1")), afOf(parseIP("1.2.3.4"))], [K.AF_INET6, K.AF_INET]);
});

Deno.test("AddrOps: add/replace/del and list filtered by index", () => {
  const k = new FakeKernel((m) =>
    m.type === K.RTM_GETADDR
      ? {
        objects: [
          { ...addrAdd({ index: 2, address: parseIP("10.0.0.1"), prefixLen: 24 }).body },
          { ...addrAdd({ index: 3, address: parseIP("10.0.1.1"), prefixLen: 24 }).body },
        ],
      }
      : {}
  );
  const ops = new AddrOps(new Conn(k));
  const a = { index: 3, address: parseIP("10.0.1.1"), prefixLen: 24 };
  ops.add(a);
  ops.replace(a);
  ops.del(a);
  assertEquals(ops.list({ index: 3 }).map((x) => x.local), [parseIP("10.0.1.1")]);
  assertEquals(ops.list({ family: K.AF_INET }).length, 2);
  assertEquals(k.sent.at(-1)!.body.family, K.AF_INET);
});
