import { assertEquals } from "../../harness/assert.ts";
import { phaseTable, table, type Timed } from "../../../scripts/bench/cni_calls.ts";

const call = (ms: number, marks: [string, number][], variant = "v"): Timed => ({
  variant,
  ms,
  code: 0,
  out: "",
  marks,
});

Deno.test("phaseTable() gives the median of each phase, exit last, then the total", () => {
  const rows = phaseTable("ADD", [
    call(30, [["origin", 12], ["start", 15], ["end", 27]]),
    call(20, [["origin", 10], ["start", 12], ["end", 18]]),
    call(40, [["origin", 14], ["start", 18], ["end", 36]]),
    call(99, [["origin", 10], ["end", 90]]), // another sequence of marks: left out
  ]);
  assertEquals(rows.slice(0, 2), ["| ADD, n = 3 | covers | median |", "| --- | --- | --- |"]);
  const cells = rows.slice(2).map((r) => r.split(" | ").map((c) => c.replace(/^\| | \|$/g, "")));
  assertEquals(cells.map((c) => [c[0], c[2]]), [
    ["origin", "12.0 ms"],
    ["start", "3.0 ms"],
    ["end", "12.0 ms"],
    ["exit", "3.0 ms"],
    ["total", "30.0 ms"],
  ]);
  assertEquals(phaseTable("DEL", []), []);
});

Deno.test("table() gives n, median, p10, p90 per variant and the ratio of medians to the reference", () => {
  const timed = [10, 12, 11].map((ms) => call(ms, [], "ref"))
    .concat([30, 36, 33, 31].map((ms) => call(ms, [], "ours")));
  const t = table("ADD", timed, "ref");
  assertEquals(t.lines, [
    "| ADD | n | median | p10 | p90 | ratio to ref |",
    "| --- | --- | --- | --- | --- | --- |",
    "| ref | 3 | 11.0 ms | 10.0 ms | 12.0 ms | 1.00 |",
    "| ours | 4 | 33.0 ms | 30.0 ms | 36.0 ms | 3.00 |",
  ]);
  assertEquals([...t.medians], [["ref", 11], ["ours", 33]]);
});
