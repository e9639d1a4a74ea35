import { assertEquals, assertThrows } from "../../harness/assert.ts";
import { ParseError } from "../../../mod/errors.ts";
import { goJSON, goQuote } from "../../../mod/cni/go_json.ts";
import { MAX_JSON_DEPTH } from "../../../mod/cni/json_depth.ts";

Deno.test("goQuote() escapes like Go's encoding/json", () => {
  assertEquals(goQuote("<a&b>"), '"\\u003ca\\u0026b\\u003e"');
  assertEquals(goQuote("x\u2028y"), '"x\\u2028y"');
  assertEquals(goQuote('q"\n\\'), '"q\\"\\n\\\\"');
});

Deno.test("goJSON() compact with sorted keys, Maps keep their order", () => {
  const v = { b: 1, a: [{ z: true, y: null }], m: new Map([["dst", "x"], ["gw", "y"]]) };
  assertEquals(
    goJSON(v, { sortKeys: true }),
    '{"a":[{"y":null,"z":true}],"b":1,"m":{"dst":"x","gw":"y"}}',
  );
  assertEquals(goJSON({ b: 1, a: 2, u: undefined }), '{"b":1,"a":2}');
});

Deno.test("goJSON() indents like MarshalIndent, empty containers inline", () => {
  const text = goJSON({ code: 7, list: [1], dns: {}, none: [] }, { indent: "    " });
  assertEquals(
    text,
    '{\n    "code": 7,\n    "list": [\n        1\n    ],\n    "dns": {},\n    "none": []\n}',
  );
});

Deno.test("goJSON() refuses values nested deeper than the CNI bound (typed, no stack overflow)", () => {
  const nest = (n: number) => JSON.parse("[".repeat(n) + "]".repeat(n));
  assertEquals(goJSON(nest(MAX_JSON_DEPTH)).length, 2 * MAX_JSON_DEPTH);
  assertThrows(() => goJSON(nest(MAX_JSON_DEPTH + 1)), ParseError, "nested deeper than");
  assertThrows(() => goJSON(nest(50000), { indent: "  " }), ParseError, "nested deeper than");
});
