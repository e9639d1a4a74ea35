import { assertEquals, assertThrows } from "../../../harness/assert.ts";
import { align, HOST_LE, Reader, Writer } from "../../../../mod/netlink/codec/bytes.ts";
import { NetlinkDecodeError } from "../../../../mod/netlink/errors.ts";

Deno.test("Writer grows, pads to 4 and patches lengths in host order", () => {
  const w = new Writer(4);
  const at = w.mark();
  w.u16(0);
  w.u8(7);
  w.be16(8472);
  w.pad();
  w.patchLen(at, 2);
  w.u32(0xdeadbeef);
  w.u64(1n);
  w.i32(-2);
  assertEquals(w.len, 24);
  const r = new Reader(w.bytes());
  assertEquals([r.u16(0), r.u8(2), r.be16(3), r.u32(8), r.u64(12), r.i32(20)], [
    8,
    7,
    8472,
    0xdeadbeef,
    1n,
    -2,
  ]);
  assertEquals([...w.bytes().subarray(3, 5)], [0x21, 0x18], "be16 is big-endian");
  w.reset();
  assertEquals(w.len, 0);
});

Deno.test("host order is little-endian on this machine and align() rounds to 4", () => {
  assertEquals(HOST_LE, true);
  assertEquals([0, 1, 4, 5, 8].map(align), [0, 4, 4, 8, 8]);
});

Deno.test("Reader.need() throws NetlinkDecodeError with the offset", () => {
  const r = new Reader(new Uint8Array(6));
  const e = assertThrows(() => r.need(4, 4, "thing"), NetlinkDecodeError, "Truncated thing");
  assertEquals(e.offset, 4);
  assertEquals(r.copy(1, 2).length, 2);
  assertEquals(new Reader(Uint8Array.of(0, 0, 0, 1)).be32(0), 1);
});
