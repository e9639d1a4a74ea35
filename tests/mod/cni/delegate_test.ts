import { assertEquals, assertRejects } from "../../harness/assert.ts";
import {
  type DelegateArgs,
  DelegateRunner,
  delegateVersion,
  type InProcessDelegate,
} from "../../../mod/cni/delegate.ts";
import { CniError } from "../../../mod/cni/errors.ts";

const args: DelegateArgs = {
  containerID: "c",
  netns: "/n",
  ifName: "eth0",
  args: "",
  env: { CNI_PATH: "/nonexistent" },
};
const x = { env: {}, writeStderr: () => Promise.resolve() };

function failing(err: Error): InProcessDelegate {
  return {
    handles: () => true,
    add: () => Promise.reject(err),
    del: () => Promise.reject(err),
    check: () => Promise.reject(err),
  };
}

Deno.test("delegateVersion() is the config's cniVersion, else 0.1.0", () => {
  assertEquals(delegateVersion({ cniVersion: "0.3.1" }), "0.3.1");
  assertEquals(delegateVersion({ cniVersion: "" }), "0.1.0");
  assertEquals(delegateVersion({}), "0.1.0");
});

Deno.test("DelegateRunner: in-process errors become CNI errors with code 999", async () => {
  const r = new DelegateRunner(() => Promise.resolve(failing(new Error("boom"))), x);
  const e = await assertRejects(() => r.del({ type: "bridge" }, new Uint8Array(), args), CniError);
  assertEquals([e.cniCode, e.message], [999, "boom"]);
  const keep = new CniError(1, "kept", "d");
  const r2 = new DelegateRunner(() => Promise.resolve(failing(keep)), x);
  assertEquals(await assertRejects(() => r2.add({ type: "bridge" }, new Uint8Array(), args)), keep);
});

Deno.test("DelegateRunner: unsupported version refused like the binary would", async () => {
  const r = new DelegateRunner(() => Promise.resolve(failing(new Error("unreached"))), x);
  await assertRejects(
    () => r.add({ type: "bridge", cniVersion: "2.0.0" }, new Uint8Array(), args),
    CniError,
    "incompatible CNI versions",
  );
});

Deno.test("DelegateRunner: unclaimed configs are looked up in CNI_PATH", async () => {
  const r = new DelegateRunner(() => Promise.resolve(null), x);
  await assertRejects(
    () => r.del({ type: "bridge" }, new Uint8Array(), args),
    Error,
    'failed to find plugin "bridge" in path [/nonexistent]',
  );
});
