import { assert, assertEquals, assertRejects } from "../../harness/assert.ts";
import {
  DelegateAddError,
  type DelegateArgs,
  DelegateRunner,
  delegateVersion,
  type InProcessDelegate,
  permanentFailure,
} from "../../../mod/cni/delegate.ts";
import { CniError, toCniError } from "../../../mod/cni/errors.ts";
import { PluginNotFoundError } from "../../../mod/cni/exec.ts";

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
  const added = await assertRejects(() => r2.add({ type: "bridge" }, new Uint8Array(), args));
  assertEquals(toCniError(added), keep, "what the dispatcher prints");
  assert(added instanceof DelegateAddError && added.undone, "no leftovers were reported");
});

Deno.test("DelegateRunner: unsupported version refused like the binary would", async () => {
  const r = new DelegateRunner(() => Promise.resolve(failing(new Error("unreached"))), x);
  const e = toCniError(
    await assertRejects(
      () => r.add({ type: "bridge", cniVersion: "2.0.0" }, new Uint8Array(), args),
      DelegateAddError,
      "incompatible CNI versions",
    ),
  );
  assertEquals([e.cniCode, e.message], [1, "incompatible CNI versions"]);
  await assertRejects(
    () => r.del({ type: "bridge", cniVersion: "2.0.0" }, new Uint8Array(), args),
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

Deno.test("permanentFailure(): a missing binary or a config/version/env code; 999, 11, others not", () => {
  const cni = (code: number) => new CniError(code, "m");
  const wrap = (e: Error) => new Error("failed", { cause: e });
  const cases: [unknown, boolean][] = [
    [new PluginNotFoundError('failed to find plugin "x" in path [/opt/cni/bin]'), true],
    [wrap(cni(7)), true],
    [cni(1), true],
    [cni(4), true],
    [cni(6), true],
    [cni(999), false],
    [cni(11), false],
    [cni(5), false],
    [new Error("EBUSY"), false],
    ["text", false],
    // A wrapping 999 (the in-process bridge's) does not hide the exec'd IPAM's code inside.
    [new CniError(999, "outer", "", { cause: cni(7) }), true],
  ];
  for (const [err, want] of cases) assertEquals(permanentFailure(err), want, String(err));
});
