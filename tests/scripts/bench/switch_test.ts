import { assertEquals, assertStringIncludes } from "../../harness/assert.ts";
import { markdown, type Sample, SEQUENCE, summarise } from "../../../scripts/bench/switch.ts";

const s = (
  lost: number,
  gap: number,
  downMs: number,
  readyMs: number,
  intervalMs = 16,
): Sample => ({
  lost,
  sent: 80,
  gap,
  intervalMs,
  downMs,
  readyMs,
});

Deno.test("summarise() gives medians (min–max) per direction in the run's order", () => {
  const samples = new Map([
    ["ours → upstream", [s(0, 0, 170, 260), s(2, 2, 180, 300, 15), s(0, 0, 175, 280, 17)]],
    ["upstream → upstream", [s(0, 0, 9, 100)]],
  ]);
  const rows = summarise(samples);
  assertEquals(rows.map((r) => r.direction), ["upstream → upstream", "ours → upstream"]);
  assertEquals(rows[1], {
    direction: "ours → upstream",
    runs: 3,
    lost: "0 (0–2) of 80",
    intervalMs: "16.0 (15.0–17.0)",
    gapMs: "0 (0–30)",
    downMs: "175 (170–180)",
    readyMs: "280 (260–300)",
  });
  assertEquals(SEQUENCE[0], ["upstream", "upstream"], "the reference restart comes first");
});

Deno.test("markdown() prints one table row per direction", () => {
  const table = markdown(summarise(new Map([["upstream → ours", [s(0, 0, 9, 700)]]])));
  assertEquals(table.split("\n").length, 3);
  assertStringIncludes(
    table,
    "| upstream → ours | 1 | 0 (0–0) of 80 | 16.0 (16.0–16.0) | 0 (0–0) | 9 (9–9) | 700 (700–700) |",
  );
});
