import { assertEquals } from "../harness/assert.ts";
import { goDuration } from "../../mod/go_duration.ts";

const H = 3_600_000;

Deno.test("goDuration() prints Go's time.Duration text", () => {
  const cases: [number, string][] = [
    [0, "0s"],
    [250, "250ms"],
    [1500, "1.5s"],
    [60_000, "1m0s"],
    [23 * H, "23h0m0s"],
    [23 * H + 59 * 60_000 + 59_999, "23h59m59.999s"],
    [-90_000, "-1m30s"],
  ];
  for (const [ms, text] of cases) assertEquals(goDuration(ms), text);
});
