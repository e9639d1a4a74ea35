import { assertEquals, assertThrows } from "../../harness/assert.ts";
import { boolFlag, type FlagDef, intFlag } from "../../../mod/config/flag_values.ts";
import { FlagError, type ScanEntry, scanGoFlags } from "../../../mod/config/go_flag_scan.ts";

const byName = new Map<string, ScanEntry<string>>([
  ["port", { field: "port", def: intFlag("port", 0, "a port") as FlagDef<unknown> }],
  ["masq", { field: "masq", def: boolFlag("masq", false, "masquerade") as FlagDef<unknown> }],
]);

function scan(argv: string[]): { seen: string[]; help: boolean } {
  const seen: string[] = [];
  const help = scanGoFlags(
    argv,
    byName,
    (e, text, arg) => seen.push(`${e.field}=${text} (${arg})`),
  );
  return { seen, help };
}

Deno.test("scanGoFlags() takes Go's spellings: -x, --x, =value, a separate value, bare bool", () => {
  assertEquals(scan(["-port", "1", "--port=2", "--masq", "-masq=false"]).seen, [
    "port=1 (-port)",
    "port=2 (--port=2)",
    "masq=true (--masq)",
    "masq=false (-masq=false)",
  ]);
});

Deno.test("scanGoFlags() stops at --, at a non-flag and at -h/-help", () => {
  assertEquals(scan(["--masq", "--", "--port=1"]), { seen: ["masq=true (--masq)"], help: false });
  assertEquals(scan(["--masq", "false", "--port=1"]), {
    seen: ["masq=true (--masq)"],
    help: false,
  });
  assertEquals(scan(["--port=1", "-h", "--nope"]), { seen: ["port=1 (--port=1)"], help: true });
  assertEquals(scan(["--help"]).help, true);
});

Deno.test("scanGoFlags() refuses bad syntax, unknown flags and a missing value", () => {
  for (
    const [argv, msg] of [
      [["---port=1"], 'Bad flag syntax "---port=1"'],
      [["-=1"], 'Bad flag syntax "-=1"'],
      [["--nope"], 'Unknown flag "-nope"'],
      [["--port"], "Flag -port needs a value"],
    ] as const
  ) {
    const err = assertThrows(() => scan([...argv]), FlagError, msg);
    assertEquals(err.code, "EFLAG");
  }
});
