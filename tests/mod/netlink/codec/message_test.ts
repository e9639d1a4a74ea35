import { assertEquals, assertThrows } from "../../../harness/assert.ts";
import { Writer } from "../../../../mod/netlink/codec/bytes.ts";
import * as K from "../../../../mod/netlink/codec/consts.ts";
import {
  decodeMessages,
  encodeMessage,
  encodeMessages,
  encodeRequest,
  kindOf,
  type Message,
  type Request,
} from "../../../../mod/netlink/codec/message.ts";
import { NetlinkDecodeError } from "../../../../mod/netlink/errors.ts";
import { golden, goldenNames } from "../golden.ts";

Deno.test("kindOf() maps nlmsg_type to the body kind", () => {
  const table: [number, Message["kind"]][] = [
    [K.NLMSG_ERROR, "error"],
    [K.NLMSG_DONE, "done"],
    [K.RTM_SETLINK, "link"],
    [K.RTM_GETADDR, "addr"],
    [K.RTM_DELROUTE, "route"],
    [K.RTM_NEWNEIGH, "neigh"],
    [K.NLMSG_NOOP, "raw"],
    [100, "raw"],
  ];
  for (const [type, kind] of table) assertEquals(kindOf(type), kind, String(type));
});

Deno.test("a dump datagram with several messages and NLMSG_DONE decodes in order", () => {
  const ms: Message[] = [
    {
      kind: "raw",
      type: K.NLMSG_NOOP,
      flags: K.NLM_F_MULTI,
      seq: 5,
      pid: 1,
      body: new Uint8Array([1, 2, 3, 4]),
    },
    {
      kind: "neigh",
      type: K.RTM_NEWNEIGH,
      flags: K.NLM_F_MULTI,
      seq: 5,
      pid: 1,
      body: {
        family: K.AF_INET,
        index: 2,
        state: K.NUD_PERMANENT,
        flags: 0,
        type: 1,
        lladdr: "02:00:00:00:00:01",
      },
    },
    { kind: "done", type: K.NLMSG_DONE, flags: K.NLM_F_MULTI, seq: 5, pid: 1, body: { error: 0 } },
  ];
  assertEquals(decodeMessages(encodeMessages(new Writer(), ms)), ms);
});

Deno.test("every golden fixture truncated anywhere throws NetlinkDecodeError", () => {
  for (const name of goldenNames()) {
    const b = golden(name).bytes;
    for (let cut = 1; cut < b.length; cut += 3) {
      const e = assertThrows(
        () => decodeMessages(b.subarray(0, cut)),
        NetlinkDecodeError,
        undefined,
      );
      if (e.offset !== 0) throw new Error(`${name} cut at ${cut}: offset ${e.offset}, expected 0`);
    }
  }
});

Deno.test("a truncated attribute inside a well-framed message reports its own offset", () => {
  const b = golden("link_add_vxlan").bytes.slice(0, 100);
  b[0] = 100; // nlmsg_len now says 100: the IFLA_LINKINFO attribute at byte 48 overruns
  const e = assertThrows(() => decodeMessages(b), NetlinkDecodeError);
  assertEquals(e.offset, 48);
  const c = golden("neigh_replace4").bytes.slice();
  c[28] = 2; // NDA_DST length 2 < 4
  assertEquals(assertThrows(() => decodeMessages(c), NetlinkDecodeError).offset, 28);
});

Deno.test("encodeRequest() writes the same bytes as encodeMessage() with seq and flags", () => {
  const req: Request = {
    kind: "neigh",
    type: K.RTM_NEWNEIGH,
    flags: K.NLM_F_REQUEST,
    body: {
      family: K.AF_INET,
      index: 2,
      state: K.NUD_PERMANENT,
      flags: 0,
      type: 0,
      lladdr: "02:00:00:00:00:01",
    },
  };
  const a = new Writer(), b = new Writer();
  encodeRequest(a, req, K.NLM_F_REQUEST | K.NLM_F_ACK, 9);
  encodeMessage(b, { ...req, flags: K.NLM_F_REQUEST | K.NLM_F_ACK, seq: 9, pid: 0 });
  assertEquals(a.bytes(), b.bytes());
});
