import { assert, assertEquals } from "../harness/assert.ts";
import { ConfigError, errorText, FlannelError, ParseError } from "../../mod/errors.ts";

Deno.test("errors carry a stable code, a name and a cause", () => {
  const cause = new Error("inner");
  const p = new ParseError('Invalid IP address "x"', { cause });
  assert(p instanceof FlannelError && p instanceof Error);
  assertEquals([p.code, p.name, p.message, p.cause], [
    "EPARSE",
    "ParseError",
    'Invalid IP address "x"',
    cause,
  ]);
  const c = new ConfigError("SubnetLen must be less than /31");
  assertEquals([c.code, c.name], ["ECONFIG", "ConfigError"]);
  const f = new FlannelError("EX", "m");
  assertEquals([f.code, f.name], ["EX", "FlannelError"]);
});

Deno.test("errorText() gives the message of errors and the text of anything else", () => {
  assertEquals(errorText(new Error("boom")), "boom");
  assertEquals(errorText("plain"), "plain");
  assertEquals(errorText(42), "42");
});
