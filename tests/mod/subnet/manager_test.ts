import { assertEquals } from "../../harness/assert.ts";
import { LeaseRevokedError, OutOfSubnetsError } from "../../../mod/subnet/manager.ts";

Deno.test("manager errors carry codes and upstream's texts", () => {
  const revoked = new LeaseRevokedError();
  assertEquals([revoked.code, revoked.message], [
    "EREVOKED",
    "Lease has been revoked. Shutting down daemon.",
  ]);
  const out = new OutOfSubnetsError("10.3.1.0/24 ... 10.3.3.0/24");
  assertEquals([out.code, out.message], [
    "ENOSUBNET",
    "out of subnets: every subnet in 10.3.1.0/24 ... 10.3.3.0/24 is leased",
  ]);
});
