import { assertEquals } from "../../harness/assert.ts";
import { exceedsDepth, MAX_JSON_DEPTH } from "../../../mod/cni/json_depth.ts";

const nested = (n: number, open = "[", close = "]") => open.repeat(n) + close.repeat(n);

Deno.test("nesting up to the bound passes, one level more is refused", () => {
  assertEquals(exceedsDepth(nested(MAX_JSON_DEPTH)), false);
  assertEquals(exceedsDepth(nested(MAX_JSON_DEPTH + 1)), true);
  assertEquals(exceedsDepth('{"a":'.repeat(3) + "1" + "}".repeat(3), 2), true);
  assertEquals(exceedsDepth('{"a":[{"b":[]}]}', 4), false);
});

Deno.test("brackets inside strings, escaped quotes included, do not count", () => {
  const text = `{"name":"${"[{".repeat(50)}\\"${"[".repeat(50)}"}`;
  assertEquals(exceedsDepth(text, 1), false);
  assertEquals(exceedsDepth(`["\\\\",[[]]]`, 2), true, "an escaped backslash ends the escape");
});

Deno.test("closing brackets keep the depth per branch, not in total", () => {
  assertEquals(exceedsDepth("[[],[],[],[]]".repeat(10), 2), false);
});

Deno.test("a 5,000-deep config is refused without recursion", () => {
  assertEquals(exceedsDepth(nested(5000, '{"a":', "}")), true);
});
