import { assertEquals } from "../../harness/assert.ts";
import { goJSON, goQuote } from "../../../mod/cni/go_json.ts";

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
