import { assertEquals } from "../../../harness/assert.ts";
import * as K from "../../../../mod/netlink/codec/consts.ts";

Deno.test("derived constants agree with the uapi definitions", () => {
  assertEquals(K.NLM_F_DUMP, K.NLM_F_ROOT | K.NLM_F_MATCH);
  assertEquals(K.NLA_TYPE_MASK, 0x3fff);
  assertEquals([K.RTM_NEWLINK, K.RTM_NEWADDR, K.RTM_NEWROUTE, K.RTM_NEWNEIGH], [16, 20, 24, 28]);
  assertEquals([K.IFLA_VXLAN_PORT, K.IFLA_VXLAN_LOCAL6, K.IFLA_VXLAN_GBP], [15, 17, 23]);
  assertEquals([K.NUD_PERMANENT, K.NTF_SELF, K.RTNH_F_ONLINK, K.RTN_BLACKHOLE], [0x80, 2, 4, 6]);
});
