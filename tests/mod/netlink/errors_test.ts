import { assert, assertEquals } from "../../harness/assert.ts";
import { FlannelError } from "../../../mod/errors.ts";
import { isErrno, NetlinkDecodeError, NetlinkError } from "../../../mod/netlink/errors.ts";

Deno.test("NetlinkError carries the errno name, the operation and the extended ACK", () => {
  const e = new NetlinkError(
    -17,
    "ip link add vx0 type vxlan id 1",
    "A VXLAN device with the specified VNI already exists",
  );
  assert(e instanceof FlannelError);
  assertEquals([e.code, e.errno, e.errnoNumber, e.op], [
    "EEXIST",
    "EEXIST",
    17,
    "ip link add vx0 type vxlan id 1",
  ]);
  assertEquals(
    e.message,
    `"ip link add vx0 type vxlan id 1" failed: EEXIST: A VXLAN device with the specified VNI already exists`,
  );
  assert(isErrno(e, "ENOENT", "EEXIST"));
  assert(!isErrno(new Error("x"), "EEXIST"));
  assertEquals(
    new NetlinkError(2, "ip route del 10.0.0.0/8").message,
    `"ip route del 10.0.0.0/8" failed: ENOENT`,
  );
});

Deno.test("NetlinkDecodeError reports the byte offset", () => {
  const e = new NetlinkDecodeError("Attribute length 2 < 4", 28);
  assertEquals([e.code, e.offset, e.message], [
    "ENLDECODE",
    28,
    "Attribute length 2 < 4 at byte 28",
  ]);
});
