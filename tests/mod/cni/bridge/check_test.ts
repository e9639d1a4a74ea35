import { assertEquals, assertRejects } from "../../../harness/assert.ts";
import { isRoot, NOT_ROOT, withNetns } from "../../../harness/netns.ts";
import { bridgeAdd } from "../../../../mod/cni/bridge/add.ts";
import { bridgeCheck } from "../../../../mod/cni/bridge/check.ts";
import { parseBridgeConf } from "../../../../mod/cni/bridge/conf.ts";
import { ipamFor } from "../../../../mod/cni/bridge/ipam.ts";
import { args, delegateConf, testWorld } from "./world.ts";

const ignore = !isRoot;
if (ignore) console.warn(`bridge CHECK tests ignored: ${NOT_ROOT}`);

Deno.test({
  name: "bridgeCheck() passes on a fresh attachment and names what drifted",
  ignore,
  fn: () =>
    withNetns(2, async (host, pod) => {
      const dir = await Deno.makeTempDir();
      try {
        const conf = delegateConf(dir);
        const a = args(pod, "c1");
        const c = parseBridgeConf(conf, "");
        const ipam = ipamFor("host-local", conf, a, () => Promise.resolve());
        const prev = await bridgeAdd(c, a, ipam, testWorld(host));
        await bridgeCheck(c, a, ipam, prev, host.path);
        await assertRejects(
          () =>
            bridgeCheck(c, a, ipam, {
              ...prev,
              interfaces: [{ name: "eth0", sandbox: pod.path, mac: "02:00:00:00:00:09" }],
            }, host.path),
          Error,
          "has MAC",
        );
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
        assertEquals(prev.ips.length, 1);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    }, "cc"),
});
