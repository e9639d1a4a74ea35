import { assertEquals } from "../../harness/assert.ts";
import { phaseTable, type Timed } from "../../../scripts/bench/cni_phases.ts";

const call = (ms: number, marks: [string, number][]): Timed => ({
  variant: "v",
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
