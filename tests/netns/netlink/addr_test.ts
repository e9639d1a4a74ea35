import { assertEquals, assertThrows } from "../../harness/assert.ts";
import { linkVeth, withNetns } from "../../../scripts/lab/netns.ts";
import { parseIP } from "../../../mod/ip/mod.ts";
import * as K from "../../../mod/netlink/codec/consts.ts";
import { NetlinkError } from "../../../mod/netlink/errors.ts";
import { Rtnl } from "../../../mod/netlink/rtnl.ts";
import { ignore, type J } from "./helpers.ts";

Deno.test({
  name: "addr add/replace/list/del (IPv4 and IPv6), read back with ip -j addr",
  ignore,
  fn: () =>
    withNetns(1, async (a) => {
      await linkVeth(a, "va", a, "vb");
      using nl = Rtnl.open({ netns: a.path });
      const index = nl.link.get("va").index;
      const v4 = { index, address: parseIP("10.244.1.1"), prefixLen: 24 };
      const v6 = { index, address: parseIP("2001:db8:1::1"), prefixLen: 64, flags: K.IFA_F_NODAD };
      nl.addr.add(v4);
      nl.addr.add(v6);
      nl.addr.replace({ index, address: parseIP("10.244.1.0"), prefixLen: 32 });
      const [j] = await a.ipJson<J[]>("addr", "show", "dev", "va");
      const seen = j!.addr_info.map((x: J) => `${x.local}/${x.prefixlen}`);
      assertEquals(seen.filter((s: string) => !s.startsWith("fe80")), [
        "10.244.1.1/24",
        "10.244.1.0/32",
        "2001:db8:1::1/64",
      ]);
      const mine = nl.addr.list({ index });
      const v6back = mine.find((x) => x.family === K.AF_INET6 && x.address?.equals(v6.address));
      assertEquals([v6back?.prefixLen, (v6back?.flags ?? 0) & K.IFA_F_NODAD], [64, K.IFA_F_NODAD]);
      assertEquals(nl.addr.list({ index, family: K.AF_INET }).map((x) => String(x.local)), [
        "10.244.1.1",
        "10.244.1.0",
      ]);
      assertEquals(assertThrows(() => nl.addr.add(v4), NetlinkError).errno, "EEXIST");
      nl.addr.del(v4);
      nl.addr.del(v6);
      assertEquals(assertThrows(() => nl.addr.del(v4), NetlinkError).errno, "EADDRNOTAVAIL");
      const [k] = await a.ipJson<J[]>("-4", "addr", "show", "dev", "va");
      assertEquals(k!.addr_info.map((x: J) => x.local), ["10.244.1.0"]);
    }, "nla"),
});
