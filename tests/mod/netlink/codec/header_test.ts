import { assert, assertEquals, assertThrows } from "../../../harness/assert.ts";
import { Reader, Writer } from "../../../../mod/netlink/codec/bytes.ts";
import * as K from "../../../../mod/netlink/codec/consts.ts";
import {
  beginMessage,
  decodeDone,
  decodeError,
  endMessage,
  forEachMessage,
  readHeader,
} from "../../../../mod/netlink/codec/header.ts";
import { NetlinkDecodeError } from "../../../../mod/netlink/errors.ts";
import { decodeGoldenReply, golden } from "../golden.ts";

Deno.test("an ACK is NLMSG_ERROR 0 with the capped request header", () => {
  const m = decodeGoldenReply("reply_ack");
  assert(m.kind === "error");
  assertEquals(m.flags, K.NLM_F_CAPPED);
  assertEquals(m.body.error, 0);
  assertEquals(m.body.request.type, K.RTM_NEWLINK);
  assertEquals(m.body.payload, undefined);
});

Deno.test("an error echoes the whole request unless capped", () => {
  const m = decodeGoldenReply("reply_eexist");
  assert(m.kind === "error");
  assertEquals(m.body.error, -17);
  assertEquals(m.body.payload?.length, m.body.request.len - 16);
});

Deno.test("extended ACK text (NLMSGERR_ATTR_MSG) is decoded", () => {
  const m = decodeGoldenReply("reply_extack");
  assert(m.kind === "error");
  assertEquals(m.flags, K.NLM_F_ACK_TLVS);
  assertEquals(m.body.error, -101);
  assertEquals(m.body.extAck, { msg: "Nexthop has invalid gateway" });
});

Deno.test("NLMSG_DONE carries the dump status", () => {
  const m = decodeGoldenReply("reply_done");
  assertEquals(m.kind, "done");
  assertEquals(m.body, { error: 0 });
  assertEquals(decodeDone(new Reader(new Uint8Array(0)), 0, 0, 0), { error: 0 });
});

Deno.test("message framing: length includes padding, several messages share a buffer", () => {
  const w = new Writer();
  for (const seq of [1, 2]) {
    const at = beginMessage(w, { type: K.NLMSG_NOOP, flags: 0, seq, pid: 9 });
    w.u8(1);
    endMessage(w, at);
  }
  assertEquals(w.len, 40);
  const seen: number[] = [];
  forEachMessage(new Reader(w.bytes()), w.len, (h) => seen.push(h.seq * 100 + h.len));
  assertEquals(seen, [120, 220]);
});

Deno.test("truncated or corrupt headers throw with the byte offset", async (t) => {
  const ack = golden("reply_ack").bytes;
  await t.step("short header", () => {
    const e = assertThrows(
      () => readHeader(new Reader(ack.subarray(0, 10)), 0, 10),
      NetlinkDecodeError,
    );
    assertEquals(e.offset, 0);
  });
  await t.step("length below 16", () => {
    const b = ack.slice();
    b[0] = 8;
    assertEquals(
      assertThrows(() => readHeader(new Reader(b), 0, b.length), NetlinkDecodeError).offset,
      0,
    );
  });
  await t.step("second message overruns", () => {
    const two = new Uint8Array(ack.length * 2);
    two.set(ack);
    two.set(ack, ack.length);
    const r = new Reader(two);
    const e = assertThrows(() => forEachMessage(r, two.length - 1, () => {}), NetlinkDecodeError);
    assertEquals(e.offset, ack.length);
  });
  await t.step("echoed request cut short", () => {
    const b = golden("reply_eexist").bytes;
    const e = assertThrows(() => decodeError(new Reader(b), 16, 40, 0), NetlinkDecodeError);
    assertEquals(e.offset, 36);
  });
});
