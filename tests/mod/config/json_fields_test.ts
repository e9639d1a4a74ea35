import { assertEquals, assertThrows } from "../../harness/assert.ts";
import {
  goFields,
  isPlainObject,
  jsonKind,
  optBool,
  optString,
  optUint,
  parseJSONObject,
} from "../../../mod/config/json_fields.ts";
import { ParseError } from "../../../mod/errors.ts";

Deno.test("goFields() matches keys case-insensitively, ignores unknown keys, last duplicate wins", () => {
  const obj = JSON.parse('{"network":"a","NETWORK":"b","Other":1,"subnetlen":24}');
  const f = goFields(obj, ["Network", "SubnetLen"]);
  assertEquals([...f.entries()], [["Network", "b"], ["SubnetLen", 24]]);
});

Deno.test("parseJSONObject() refuses non-objects and bad JSON with a ParseError", () => {
  assertEquals(parseJSONObject('{"a":1}', "x"), { a: 1 });
  assertThrows(
    () => parseJSONObject("[1]", "thing"),
    ParseError,
    "thing must be a JSON object, not array",
  );
  assertThrows(() => parseJSONObject("null", "thing"), ParseError, "not null");
  assertThrows(() => parseJSONObject("{", "thing"), ParseError, "Invalid JSON in thing");
});

Deno.test("optBool/optUint/optString read typed fields and name the bad one", () => {
  const f = goFields({ A: true, B: 3, C: "s", D: null, E: -1, F: 1.5 }, [
    "A",
    "B",
    "C",
    "D",
    "E",
    "F",
  ]);
  assertEquals([optBool(f, "A", "w"), optUint(f, "B", "w"), optString(f, "C", "w")], [
    true,
    3,
    "s",
  ]);
  assertEquals([optBool(f, "D", "w"), optUint(f, "Z", "w")], [undefined, undefined]);
  assertThrows(
    () => optBool(f, "B", "cfg"),
    ParseError,
    'cfg: "B" must be a boolean, not number 3',
  );
  assertThrows(() => optUint(f, "E", "cfg"), ParseError, '"E" must be a non-negative integer');
  assertThrows(() => optUint(f, "F", "cfg"), ParseError, "number 1.5");
  assertThrows(
    () => optString(f, "A", "cfg"),
    ParseError,
    '"A" must be a string, not boolean true',
  );
});

Deno.test("jsonKind() and isPlainObject() name JSON types", () => {
  assertEquals([null, [], {}, "", 1, true].map(jsonKind), [
    "null",
    "array",
    "object",
    "string",
    "number",
    "boolean",
  ]);
  assertEquals([null, [], {}, "x"].map(isPlainObject), [false, false, true, false]);
});
