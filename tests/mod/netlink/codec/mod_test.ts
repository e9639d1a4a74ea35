import { assertEquals } from "../../../harness/assert.ts";
import * as codec from "../../../../mod/netlink/codec/mod.ts";

Deno.test("codec/mod.ts exports the codec entry points", () => {
  const exported = codec as Record<string, unknown>;
  for (const name of ["encodeMessage", "decodeMessages", "Writer", "Reader", "compile"]) {
    assertEquals(typeof exported[name], "function", name);
  }
  for (const name of ["linkCodec", "addrCodec", "routeCodec", "neighCodec"]) {
    assertEquals(typeof exported[name], "object", name);
  }
  assertEquals(codec.RTM_NEWNEIGH, 28);
});
