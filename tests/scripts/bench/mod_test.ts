import { assertEquals, assertThrows } from "../../harness/assert.ts";
import { BENCHES, selectBenches } from "../../../scripts/bench/mod.ts";

Deno.test("selectBenches() runs everything by default and passes arguments after --", () => {
  assertEquals(selectBenches([]).names, Object.keys(BENCHES));
  assertEquals(selectBenches(["cni", "netlink", "--", "--runs", "3"]), {
    names: ["cni", "netlink"],
    rest: ["--runs", "3"],
  });
});

Deno.test("selectBenches() refuses an unknown name", () => {
  assertThrows(() => selectBenches(["nope"]), Error, 'Unknown benchmark "nope"');
});

Deno.test("every listed benchmark script exists", async () => {
  for (const b of Object.values(BENCHES)) {
    const stat = await Deno.stat(new URL(`../../../scripts/bench/${b.file}`, import.meta.url));
    assertEquals(stat.isFile, true, b.file);
  }
});
