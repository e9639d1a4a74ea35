import { assert, assertEquals, assertRejects } from "../../harness/assert.ts";
import { AddLeftoversError, hasLeftovers, Undo } from "../../../mod/cni/undo.ts";

Deno.test("Undo.fail() runs the steps newest first and rethrows the ADD's error", async () => {
  const ran: string[] = [];
  const undo = new Undo();
  undo.push("veth", () => ran.push("veth"));
  undo.push("ip", () => Promise.resolve().then(() => ran.push("ip")));
  const err = new Error("no addresses");
  assertEquals(await assertRejects(() => undo.fail(err)), err);
  assertEquals(ran, ["ip", "veth"]);
  assert(!hasLeftovers(err));
});

Deno.test("Undo.fail() runs every step and names the ones that failed", async () => {
  const ran: string[] = [];
  const undo = new Undo();
  undo.push('delete "eth0"', () => ran.push("veth"));
  undo.push("release the IPAM allocation", () => {
    throw new Error("EBUSY");
  });
  const cause = new Error("boom");
  const e = await assertRejects(() => undo.fail(cause), AddLeftoversError);
  assertEquals(ran, ["veth"], "a failed step does not stop the older ones");
  assertEquals(
    e.message,
    "boom (undoing the failed ADD failed too: release the IPAM allocation: EBUSY)",
  );
  assertEquals([e.code, e.cause], ["ECNILEFTOVERS", cause]);
  assert(hasLeftovers(new Error("wrapped", { cause: e })));
});
