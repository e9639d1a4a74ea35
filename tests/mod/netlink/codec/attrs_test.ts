import { assertEquals, assertThrows } from "../../../harness/assert.ts";
import {
  attrSpans,
  compile,
  decodeAttrs,
  encodeAttrs,
  field,
  putAttr,
  rawAttrs,
} from "../../../../mod/netlink/codec/attrs.ts";
import { Reader, Writer } from "../../../../mod/netlink/codec/bytes.ts";
import { NLA_F_NESTED } from "../../../../mod/netlink/codec/consts.ts";
import { flag, nested, u32, u8, type WithAttrs } from "../../../../mod/netlink/codec/values.ts";
import { NetlinkDecodeError } from "../../../../mod/netlink/errors.ts";

interface Inner extends WithAttrs {
  x?: number;
}
interface Outer extends WithAttrs {
  b?: number;
  a?: number;
  on?: boolean;
  inner?: Inner;
}
const INNER = compile<Inner>({ x: field(1, u8) });
const OUTER = compile<Outer>({
  b: field(2, u32),
  a: field(1, u32),
  on: field(3, flag),
  inner: field(4, nested(INNER, true)),
});

function roundTrip(v: Outer): { bytes: Uint8Array; back: Outer } {
  const w = new Writer();
  encodeAttrs(w, OUTER, v, v.attrs);
  const back: Outer = {};
  const raw = decodeAttrs(new Reader(w.bytes()), 0, w.len, OUTER, back);
  if (raw.length) back.attrs = raw;
  return { bytes: w.bytes().slice(), back };
}

Deno.test("encodeAttrs() writes schema order, skips undefined and false flags", () => {
  const { bytes, back } = roundTrip({ a: 1, b: 2, on: false, inner: { x: 5 } });
  assertEquals(attrSpans(new Reader(bytes), 0, bytes.length).map((s) => s.type), [
    2,
    1,
    4 | NLA_F_NESTED,
  ]);
  assertEquals(back, { a: 1, b: 2, inner: { x: 5 } });
  assertEquals(roundTrip({ on: true }).back, { on: true });
});

Deno.test("unknown and repeated attributes are kept raw and re-encoded unchanged", () => {
  const w = new Writer();
  putAttr(w, 1, () => w.u32(7));
  putAttr(w, 1, () => w.u32(8));
  putAttr(w, 99 | NLA_F_NESTED, () => w.u8(3));
  const v: Outer = {};
  const raw = decodeAttrs(new Reader(w.bytes()), 0, w.len, OUTER, v);
  assertEquals(v, { a: 7 });
  assertEquals(raw, [{ type: 1, data: Uint8Array.of(8, 0, 0, 0) }, {
    type: 99 | NLA_F_NESTED,
    data: Uint8Array.of(3),
  }]);
  v.attrs = raw;
  const again = new Writer();
  encodeAttrs(again, OUTER, v, v.attrs);
  assertEquals(again.bytes(), w.bytes());
});

Deno.test("bad attribute lengths throw NetlinkDecodeError at the attribute", async (t) => {
  const w = new Writer();
  putAttr(w, 2, () => w.u32(1));
  putAttr(w, 1, () => w.u32(2));
  const good = w.bytes().slice();
  const cases: [string, (b: Uint8Array) => Uint8Array, number][] = [
    ["length below 4", (b) => (b[8] = 2, b), 8],
    ["overruns parent", (b) => (b[8] = 12, b), 8],
    ["wrong fixed size", (b) => (b[8] = 6, b), 8],
    ["stray bytes", (b) => b.subarray(0, 14), 8],
  ];
  for (const [name, corrupt, offset] of cases) {
    await t.step(name, () => {
      const b = corrupt(good.slice());
      const e = assertThrows(
        () => decodeAttrs(new Reader(b), 0, b.length, OUTER, {}),
        NetlinkDecodeError,
      );
      assertEquals(e.offset, offset);
    });
  }
  assertEquals(rawAttrs(new Reader(good), 0, good.length).length, 2);
});
