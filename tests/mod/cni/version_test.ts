import { assert, assertEquals, assertThrows } from "../../harness/assert.ts";
import {
  isSupported,
  parseVersion,
  supportedQuoted,
  versionAtLeast,
} from "../../../mod/cni/version.ts";

Deno.test("parseVersion() follows Go's ParseVersion", () => {
  assertEquals(parseVersion(""), [0, 1, 0]);
  assertEquals(parseVersion("1"), [1, 0, 0]);
  assertEquals(parseVersion("0.4"), [0, 4, 0]);
  assertEquals(parseVersion("1.1.0"), [1, 1, 0]);
  assertThrows(() => parseVersion("1.2.3.4"), Error, 'invalid version "1.2.3.4": too many parts');
  assertThrows(
    () => parseVersion("abc"),
    Error,
    'failed to convert major version part "abc": strconv.Atoi: parsing "abc": invalid syntax',
  );
  assertThrows(() => parseVersion("1.x"), Error, 'minor version part "x"');
});

Deno.test("versionAtLeast() compares numerically", () => {
  assert(versionAtLeast("0.4.0", "0.4.0"));
  assert(versionAtLeast("1.0.0", "0.4.0"));
  assert(versionAtLeast("0.10.0", "0.4.0"));
  assert(!versionAtLeast("0.3.1", "0.4.0"));
  assert(!versionAtLeast("1.0.0", "1.1.0"));
});

Deno.test("isSupported() matches exact strings only", () => {
  for (const v of ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"]) {
    assert(isSupported(v), v);
  }
  for (const v of ["1.0", "1", "0.5.0", "1.2.0", ""]) assert(!isSupported(v), v);
  assertEquals(supportedQuoted(), '["0.1.0" "0.2.0" "0.3.0" "0.3.1" "0.4.0" "1.0.0" "1.1.0"]');
});
