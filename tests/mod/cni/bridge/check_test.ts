import { assertRejects } from "../../../harness/assert.ts";
import { isRoot, NOT_ROOT } from "../../../../scripts/lab/netns.ts";
import { bridgeAdd } from "../../../../mod/cni/bridge/add.ts";
import { bridgeCheck } from "../../../../mod/cni/bridge/check.ts";
import { withBridgeCase } from "./world.ts";

const ignore = !isRoot;
if (ignore) console.warn(`bridge CHECK tests ignored: ${NOT_ROOT}`);

Deno.test({
  name: "bridgeCheck() passes on a fresh attachment and names what drifted",
  ignore,
  fn: () =>
    withBridgeCase(async ({ host, pod, a, c, ipam, w }) => {
      const prev = await bridgeAdd(c, a, ipam, w);
      await bridgeCheck(c, a, ipam, prev, host.path);
      const otherMac = {
        ...prev,
        interfaces: [{ name: "eth0", sandbox: pod.path, mac: "02:00:00:00:00:09" }],
      };
      await assertRejects(() => bridgeCheck(c, a, ipam, otherMac, host.path), Error, "has MAC");
      await host.ip("link", "set", "vetha0000000", "nomaster");
      await assertRejects(
        () => bridgeCheck(c, a, ipam, prev, host.path),
        Error,
        'is not attached to bridge "cni0"',
      );
      await pod.ip("link", "del", "eth0");
      await assertRejects(
        () => bridgeCheck(c, a, ipam, prev, host.path),
        Error,
        `Interface "eth0" not found in "${pod.path}"`,
      );
    }),
});
