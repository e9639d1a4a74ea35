import { assertEquals } from "../../harness/assert.ts";
import { CniError, errorObject, findCause, toCniError } from "../../../mod/cni/errors.ts";

Deno.test("toCniError() finds a CNI error in the cause chain, else code 999", () => {
  const inner = new CniError(1, "incompatible CNI versions", "d");
  const wrapped = new Error("failed to delegate add: x", { cause: inner });
  assertEquals(toCniError(wrapped), inner);
  const plain = toCniError(new Error("boom"));
  assertEquals([plain.cniCode, plain.message, plain.details], [999, "boom", ""]);
  assertEquals(toCniError("text").message, "text");
});

Deno.test("errorObject() omits empty details and cniVersion", () => {
  assertEquals(errorObject(new CniError(7, "missing network name")), {
    code: 7,
    msg: "missing network name",
  });
  assertEquals(errorObject(new CniError(4, "m", "d")), { code: 4, msg: "m", details: "d" });
});

Deno.test("findCause() walks the cause chain from the error itself, bounded", () => {
  const isCni = (e: Error): e is CniError => e instanceof CniError;
  const inner = new CniError(7, "bad");
  assertEquals(findCause(inner, isCni), inner);
  assertEquals(
    findCause(new Error("a", { cause: new Error("b", { cause: inner }) }), isCni),
    inner,
  );
  assertEquals(findCause(new Error("a"), isCni), null);
  assertEquals(findCause("text", isCni), null);
  const loop = new Error("loop");
  loop.cause = loop;
  assertEquals(findCause(loop, isCni), null, "a cycle ends");
});
