import {
  formatDuration,
  matrixSummary,
  pingMatrix,
  stepLine,
  table,
} from "../../../scripts/sandbox/report.ts";
import { assertEquals } from "../../harness/assert.ts";

const ok = (rttMs: number) => ({ ok: true, rttMs });
const no = { ok: false, rttMs: null };

Deno.test("formatDuration() and stepLine()", () => {
  assertEquals([formatDuration(340.4), formatDuration(1234)], ["340 ms", "1.2 s"]);
  assertEquals(stepLine("built", 44), "✓ built (44 ms)");
});

Deno.test("pingMatrix() aligns ✓ RTT, ✗ and the — diagonal under the names", () => {
  const names = ["h1-a", "h2-a", "h3-a"];
  const results = [[null, ok(0.123), no], [ok(12.5), null, ok(0.05)], [ok(1), ok(2), null]];
  assertEquals(
    pingMatrix(names, results),
    [
      "           h1-a     h2-a     h3-a",
      "  h1-a        —   ✓ 0.12        ✗",
      "  h2-a   ✓ 12.5        —   ✓ 0.05",
      "  h3-a   ✓ 1.00   ✓ 2.00        —",
    ].join("\n"),
  );
});

Deno.test("matrixSummary() counts pairs and names the silent ones", () => {
  const names = ["a", "b"];
  assertEquals(matrixSummary(names, [[null, ok(1)], [ok(1), null]]), "2/2 pairs answered");
  assertEquals(
    matrixSummary(names, [[null, no], [ok(1), null]]),
    "1/2 pairs answered; no answer: a → b",
  );
});

Deno.test("table() pads every column but the last", () => {
  assertEquals(table([["a", "bbb", "x"], ["cc", "d", "yy"]]), "  a   bbb  x\n  cc  d    yy");
});
