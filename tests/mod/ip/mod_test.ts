import { assert, assertEquals } from "../../harness/assert.ts";
import * as ip from "../../../mod/ip/mod.ts";
import * as addr from "../../../mod/ip/addr.ts";
import * as net from "../../../mod/ip/net.ts";

Deno.test("mod/ip re-exports every name of addr.ts and net.ts, nothing else", () => {
  const expected = [...new Set([...Object.keys(addr), ...Object.keys(net)])].sort();
  assertEquals(Object.keys(ip).sort(), expected);
  assert(expected.includes("parseCIDR") && expected.includes("parseIP"));
});

Deno.test("mod/ip: the module's own example, for both families", () => {
  assertEquals(ip.parseCIDR("10.3.1.5/16").toString(), "10.3.0.0/16");
  assert(ip.parseCIDR("10.244.0.0/16").contains(ip.parseIP("10.244.3.4")));
  assertEquals(ip.parseCIDR("fd00:10::5/48").toString(), "fd00:10::/48");
  assert(!ip.parseCIDR("fd00:10::/48").contains(ip.parseIP("10.244.3.4")));
});
