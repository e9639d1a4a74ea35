import { assertEquals, assertThrows } from "../../../harness/assert.ts";
import { ParseError } from "../../../../mod/errors.ts";
import { parseIP } from "../../../../mod/ip/mod.ts";
import { Reader, Writer } from "../../../../mod/netlink/codec/bytes.ts";
import { type AttrCodec } from "../../../../mod/netlink/codec/attrs.ts";
import {
  be16,
  bool8,
  bytes,
  formatLinkAddr,
  ip,
  lladdr,
  parseLinkAddr,
  s32,
  str,
  strz,
  u16,
} from "../../../../mod/netlink/codec/values.ts";
import { NetlinkDecodeError } from "../../../../mod/netlink/errors.ts";

function put<V>(c: AttrCodec<V>, v: V): Uint8Array {
  const w = new Writer();
  c.put(w, v);
  return w.bytes().slice();
}
function get<V>(c: AttrCodec<V>, b: Uint8Array): V {
  return c.get(new Reader(b), 0, b.length);
}

Deno.test("integer, boolean and string codecs", () => {
  assertEquals(put(be16, 4789), Uint8Array.of(0x12, 0xb5));
  assertEquals(get(u16, put(u16, 513)), 513);
  assertEquals(get(s32, put(s32, -1)), -1);
  assertEquals([get(bool8, Uint8Array.of(2)), get(bool8, Uint8Array.of(0))], [true, false]);
  assertEquals(put(strz, "vx0"), Uint8Array.of(0x76, 0x78, 0x30, 0));
  assertEquals(put(str, "vxlan").length, 5, "IFLA_INFO_KIND goes without NUL");
  assertEquals([get(str, put(strz, "veth")), get(strz, put(str, "veth"))], ["veth", "veth"]);
  assertEquals(get(bytes, Uint8Array.of(1, 2)), Uint8Array.of(1, 2));
});

Deno.test("link-layer addresses format like iproute2 and parse back", () => {
  assertEquals(formatLinkAddr(Uint8Array.of(0x0e, 0xaa, 0, 0, 0, 2)), "0e:aa:00:00:00:02");
  assertEquals(parseLinkAddr("0E:aa:0:0:0:2"), Uint8Array.of(0x0e, 0xaa, 0, 0, 0, 2));
  assertEquals(parseLinkAddr(""), new Uint8Array(0));
  assertEquals(get(lladdr, put(lladdr, "c6:12:00:01")), "c6:12:00:01");
  assertThrows(() => parseLinkAddr("0e:zz"), ParseError, "0e:zz");
  assertThrows(() => parseLinkAddr("0e:aaa"), ParseError);
  assertThrows(() => parseLinkAddr("0e::aa"), ParseError);
  assertEquals(
    put(lladdr, "0E:AA:00:00:00:02"),
    Uint8Array.of(0x0e, 0xaa, 0, 0, 0, 2),
    "48-bit fast path",
  );
  assertEquals(
    put(lladdr, "e:aa:0:0:0:2"),
    Uint8Array.of(0x0e, 0xaa, 0, 0, 0, 2),
  );
  assertThrows(() => put(lladdr, "0e:aa:00:00:00:zz"), ParseError);
});

Deno.test("IP codec reads 4 or 16 bytes and rejects other lengths with the offset", () => {
  assertEquals(get(ip, put(ip, parseIP("198.18.0.1"))), parseIP("198.18.0.1"));
  assertEquals(get(ip, put(ip, parseIP("2001:db8::1"))), parseIP("2001:db8::1"));
  const e = assertThrows(() => ip.get(new Reader(new Uint8Array(9)), 3, 6), NetlinkDecodeError);
  assertEquals(e.offset, 3);
});
