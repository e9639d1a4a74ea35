import { assert, assertEquals, assertStringIncludes } from "../../harness/assert.ts";
import { AGENT_V8_FLAGS } from "../../../mod/agent/v8_flags.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;

Deno.test("AGENT_V8_FLAGS are V8 flags Deno accepts from DENO_V8_FLAGS", async () => {
  assert(/^--[a-z0-9-]+(=[0-9]+)?(,--[a-z0-9-]+(=[0-9]+)?)*$/.test(AGENT_V8_FLAGS));
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "console.log('ok')"],
    env: { DENO_V8_FLAGS: AGENT_V8_FLAGS, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(new TextDecoder().decode(out.stdout).trim(), "ok", "deno ran with the flags");
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
});

Deno.test("the systemd unit and the DaemonSet set AGENT_V8_FLAGS", async () => {
  const unit = await Deno.readTextFile(`${ROOT}scripts/deploy/flanneld.service`);
  assertStringIncludes(unit, `\nEnvironment=DENO_V8_FLAGS=${AGENT_V8_FLAGS}\n`);
  const ds = await Deno.readTextFile(`${ROOT}scripts/deploy/kube-flannel.yml`);
  assertStringIncludes(ds, `- name: DENO_V8_FLAGS\n              value: "${AGENT_V8_FLAGS}"\n`);
});
