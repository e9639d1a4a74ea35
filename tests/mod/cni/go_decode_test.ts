import { assertEquals } from "../../harness/assert.ts";
import { goDecodeError, GoT } from "../../../mod/cni/go_decode.ts";

const { string, bool, int } = GoT;
const SCHEMA = GoT.struct("main.Conf", "Conf", {
  name: string,
  on: bool,
  mtu: int,
  tags: GoT.slice("[]string", string),
  caps: GoT.map("map[string]bool", bool),
  inner: GoT.struct("main.Inner", "Inner", {
    ip: GoT.text("net.IP", (s) => s === "ok" ? null : `bad ${s}`),
  }),
  route: GoT.struct("types.route", "route", { dst: string }, true),
});

Deno.test("goDecodeError() words type errors as encoding/json does", () => {
  const cases: [unknown, string | null][] = [
    [{ name: "n", on: true, mtu: 1450, tags: ["a"], caps: { x: true } }, null],
    [{ name: null, on: null, mtu: null, tags: [null], inner: null }, null], // null = zero value
    [{ NAME: 5 }, "json: cannot unmarshal number into Go struct field Conf.name of type string"],
    [{ on: "yes" }, "json: cannot unmarshal string into Go struct field Conf.on of type bool"],
    [{ mtu: 1.5 }, "json: cannot unmarshal number 1.5 into Go struct field Conf.mtu of type int"],
    [{ mtu: [] }, "json: cannot unmarshal array into Go struct field Conf.mtu of type int"],
    [
      { tags: "a" },
      "json: cannot unmarshal string into Go struct field Conf.tags of type []string",
    ],
    [
      { tags: ["a", 1] },
      "json: cannot unmarshal number into Go struct field Conf.tags of type string",
    ],
    [
      { caps: { x: 1 } },
      "json: cannot unmarshal number into Go struct field Conf.caps of type bool",
    ],
    [
      { inner: [] },
      "json: cannot unmarshal array into Go struct field Conf.inner of type main.Inner",
    ],
    [
      { inner: { ip: false } },
      "json: cannot unmarshal bool into Go struct field Inner.inner.ip of type net.IP",
    ],
    [{ inner: { ip: "x" } }, "bad x"],
    [{ inner: { ip: "ok" } }, null],
    // A type with its own UnmarshalJSON reports with the context of the field holding it.
    [
      { route: { dst: 1 } },
      "json: cannot unmarshal number into Go struct field Conf.route of type string",
    ],
    [
      { route: 1 },
      "json: cannot unmarshal number into Go struct field Conf.route of type types.route",
    ],
    [[], "json: cannot unmarshal array into Go value of type main.Conf"],
  ];
  for (const [value, want] of cases) {
    assertEquals(goDecodeError(value, SCHEMA), want, JSON.stringify(value));
  }
});

Deno.test("goDecodeError() reports the first error in document order", () => {
  assertEquals(
    goDecodeError({ on: 1, name: 2 }, SCHEMA),
    "json: cannot unmarshal number into Go struct field Conf.on of type bool",
  );
  assertEquals(goDecodeError({ unknown: 1, other: [{}] }, SCHEMA), null, "unknown keys ignored");
});
