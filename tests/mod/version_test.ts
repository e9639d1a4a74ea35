import { assertMatch } from "../harness/assert.ts";
import { UPSTREAM_VERSION, VERSION } from "../../mod/version.ts";

Deno.test("versions are v-prefixed semantic versions (what --version and the CNI about text print)", () => {
  assertMatch(VERSION, /^v\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/);
  assertMatch(UPSTREAM_VERSION, /^v\d+\.\d+\.\d+$/);
});
