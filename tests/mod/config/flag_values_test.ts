import { assertEquals, assertThrows } from "../../harness/assert.ts";
import fc from "fast-check";
import { ParseError } from "../../../mod/errors.ts";
import {
  checkBacktraceAt,
  checkVmodule,
  choiceFlag,
  commaListFlag,
  listFlag,
  parseGoBool,
  parseGoInt,
  parseKlogLevel,
  parseOptionalIP,
} from "../../../mod/config/flag_values.ts";

Deno.test("parseGoBool() accepts exactly strconv.ParseBool's words", () => {
  for (const t of ["1", "t", "T", "TRUE", "true", "True"]) assertEquals(parseGoBool(t), true);
  for (const f of ["0", "f", "F", "FALSE", "false", "False"]) assertEquals(parseGoBool(f), false);
  for (const bad of ["", "yes", "tRUE", " true", "2", "on"]) {
    assertThrows(() => parseGoBool(bad), ParseError, "not a boolean");
  }
});

Deno.test("parseGoInt() follows strconv.ParseInt(s, 0, 64)", async (t) => {
  const ok: [string, number][] = [
    ["0", 0],
    ["60", 60],
    ["+5", 5],
    ["-5", -5],
    ["0x10", 16],
    ["0X1f", 31],
    ["0o17", 15],
    ["017", 15],
    ["0b101", 5],
    ["1_000", 1000],
    ["0x_1F", 31],
    ["-0x10", -16],
    ["9007199254740991", 9007199254740991],
  ];
  for (const [text, want] of ok) {
    await t.step(`"${text}" → ${want}`, () => assertEquals(parseGoInt(text), want));
  }
  const bad: [string, string][] = [
    ["", "not an integer"],
    ["abc", "not an integer"],
    [" 5", "not an integer"],
    ["5 ", "not an integer"],
    ["08", "not an integer"],
    ["1__0", "not an integer"],
    ["_1", "not an integer"],
    ["1_", "not an integer"],
    ["0x", "not an integer"],
    ["1.5", "not an integer"],
    ["1e3", "not an integer"],
    ["9223372036854775808", "value out of range"],
    ["9007199254740993", "value out of range"],
  ];
  for (const [text, reason] of bad) {
    await t.step(`"${text}" refused`, () => {
      assertThrows(() => parseGoInt(text), ParseError, reason);
    });
  }
});

Deno.test("parseKlogLevel() is decimal int32 only", () => {
  assertEquals(parseKlogLevel("2"), 2);
  assertEquals(parseKlogLevel("-1"), -1);
  assertEquals(parseKlogLevel("2147483647"), 2147483647);
  assertThrows(() => parseKlogLevel("2147483648"), ParseError, "out of range");
  assertThrows(() => parseKlogLevel("0x1"), ParseError, "not an integer");
  assertThrows(() => parseKlogLevel(""), ParseError);
});

Deno.test("checkVmodule() and checkBacktraceAt() follow klog's syntax", () => {
  for (const ok of ["", "vxlan=2", "a*=1,b=3", "x=1,,"]) assertEquals(checkVmodule(ok), ok);
  for (const bad of ["vxlan", "=2", "a=", "a=b", "a=1=2"]) {
    assertThrows(() => checkVmodule(bad), ParseError, "filename=N");
  }
  for (const ok of ["", "main.go:12"]) assertEquals(checkBacktraceAt(ok), ok);
  for (const bad of ["main:12", "main.go", "main.go:x", "a.go:1:2"]) {
    assertThrows(() => checkBacktraceAt(bad), ParseError, "file.go:234");
  }
  assertThrows(() => checkBacktraceAt("main.go:0"), ParseError, "zero");
});

Deno.test("parseOptionalIP() checks the family and maps empty to null", () => {
  assertEquals(parseOptionalIP(""), null);
  assertEquals(parseOptionalIP("1.2.3.4", 4)?.toString(), "1.2.3.4");
  assertEquals(parseOptionalIP("::ffff:1.2.3.4", 4)?.toString(), "1.2.3.4");
  assertEquals(parseOptionalIP("fc00::1", 6)?.toString(), "fc00::1");
  assertEquals(parseOptionalIP("fc00::1")?.family, 6);
  assertThrows(() => parseOptionalIP("fc00::1", 4), ParseError, "not an IPv4 address");
  assertThrows(() => parseOptionalIP("1.2.3.4", 6), ParseError, "not an IPv6 address");
  assertThrows(() => parseOptionalIP("eth0"), ParseError, "not an IP address");
});

Deno.test("flag builders: lists append, comma lists split, choices refuse others", () => {
  const iface = listFlag("iface", "u");
  assertEquals(iface.parse("b,c", iface.parse("a", iface.initial)), ["a", "b,c"]);
  assertEquals(iface.show(["a", "b"]), "[a b]");
  const eps = commaListFlag("etcd-endpoints", "x,y", "u");
  assertEquals(eps.initial, ["x", "y"]);
  assertEquals(eps.parse("a, b", eps.initial), ["a", " b"]);
  const store = choiceFlag("store", "etcd", ["etcd", "local"] as const, "u");
  assertEquals(store.parse("local", "etcd"), "local");
  assertThrows(() => store.parse("ETCD", "etcd"), ParseError, 'must be one of "etcd", "local"');
});

Deno.test("value parsers on random text return a value or throw ParseError", () => {
  const parsers: ((s: string) => unknown)[] = [
    parseGoBool,
    parseGoInt,
    parseKlogLevel,
    checkVmodule,
    checkBacktraceAt,
    (s) => parseOptionalIP(s, 4),
    (s) => parseOptionalIP(s, 6),
    (s) => parseOptionalIP(s),
  ];
  const text = fc.oneof(
    fc.string(),
    fc.stringMatching(/^[-+0-9xXoObB_a-f.:=,]{0,24}$/),
  );
  fc.assert(
    fc.property(text, (s) => {
      for (const parse of parsers) {
        try {
          parse(s);
        } catch (err) {
          if (!(err instanceof ParseError)) throw err;
        }
      }
    }),
    { numRuns: 500 },
  );
});
