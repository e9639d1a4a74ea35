import { assertEquals } from "../../../harness/assert.ts";
import { errnoName } from "../../../../mod/netlink/codec/errno.ts";

Deno.test("errnoName() names kernel errnos of either sign", () => {
  assertEquals([errnoName(-17), errnoName(2), errnoName(-1), errnoName(-95)], [
    "EEXIST",
    "ENOENT",
    "EPERM",
    "EOPNOTSUPP",
  ]);
  assertEquals(errnoName(-4000), "E4000");
});
