import { assert, assertEquals } from "../../harness/assert.ts";
import { argOpt, median, procMemoryMiB } from "../../../scripts/bench/common.ts";

Deno.test("argOpt() reads --name value, else the default", () => {
  const args = ["--peers", "200", "--only", "latency", "--runs"];
  assertEquals(argOpt(args, "peers", "5000"), "200");
  assertEquals(argOpt(args, "only", "all"), "latency");
  assertEquals(argOpt(args, "runs", "3"), "3", "a flag without its value");
  assertEquals(argOpt(args, "v8", "agent"), "agent");
});

Deno.test("median() takes the middle, the upper one of two", () => {
  assertEquals(median([3, 1, 2]), 2);
  assertEquals(median([4, 1, 3, 2]), 3);
  assertEquals(median([7]), 7);
});

Deno.test("procMemoryMiB() reads this process's RSS and peak", () => {
  const m = procMemoryMiB("self");
  assert(m.rss > 1 && m.hwm >= m.rss, JSON.stringify(m));
});
