import { denoErrorSummary } from "../../scripts/deno_error.ts";
import { assertEquals } from "../harness/assert.ts";

// What deno 2.9.6 prints for `deno compile` on a machine that cannot reach dl.deno.land.
const OFFLINE = `Download https://dl.deno.land/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip
error: Writing deno compile executable to temporary file '/tmp/out.tmp-e8c1'

Caused by:
    0: Setting up base binary.
    1: error sending request for url (https://dl.deno.land/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip): client error (Connect): dns error: failed to lookup address information: Name or service not known
    2: client error (Connect)
    3: dns error
    4: failed to lookup address information: Name or service not known

Stack backtrace:
   0: <unknown>
`;

Deno.test("denoErrorSummary() keeps the causes that say why, without repeats or backtrace", () => {
  assertEquals(
    denoErrorSummary(OFFLINE),
    "error: Writing deno compile executable to temporary file '/tmp/out.tmp-e8c1' (caused by: " +
      "Setting up base binary; error sending request for url (https://dl.deno.land/release/" +
      "v2.9.6/denort-x86_64-unknown-linux-gnu.zip): client error (Connect): dns error: failed " +
      "to lookup address information: Name or service not known)",
  );
});

Deno.test("denoErrorSummary() names a missing DENORT_BIN", () => {
  const text = "error: Writing deno compile executable to temporary file '/tmp/o.tmp-1'\n\n" +
    "Caused by:\n    0: Could not find denort at '/nonexistent/denort'\n" +
    "    1: No such file or directory (os error 2)\n\nStack backtrace:\n   0: <unknown>\n";
  assertEquals(
    denoErrorSummary(text),
    "error: Writing deno compile executable to temporary file '/tmp/o.tmp-1' (caused by: " +
      "Could not find denort at '/nonexistent/denort'; No such file or directory (os error 2))",
  );
});

Deno.test("denoErrorSummary() without causes or without an error line", () => {
  assertEquals(denoErrorSummary("warn\nerror: Module not found\n"), "error: Module not found");
  assertEquals(denoErrorSummary("\n  something odd\nmore\n"), "something odd");
  assertEquals(denoErrorSummary(""), "no output");
});
