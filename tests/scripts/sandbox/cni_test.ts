import {
  flannelPluginConf,
  resultAddress,
  runCni,
  STOCK_CONFLIST,
} from "../../../scripts/sandbox/cni.ts";
import { assert, assertEquals, assertThrows } from "../../harness/assert.ts";
import { isRoot, NOT_ROOT, withNetns } from "../../../scripts/lab/netns.ts";

if (!isRoot) console.warn(`sandbox cni_test: the live step is ignored, ${NOT_ROOT}`);

Deno.test("flannelPluginConf() is the conflist's flannel entry as a runtime passes it", () => {
  assertEquals(flannelPluginConf("/x/subnet.env", "/x/cni"), {
    cniVersion: "0.3.1",
    name: "cbr0",
    type: "flannel",
    delegate: { hairpinMode: true, isDefaultGateway: true },
    subnetFile: "/x/subnet.env",
    dataDir: "/x/cni/flannel",
    ipam: { dataDir: "/x/cni/ipam" },
  });
  assertEquals(STOCK_CONFLIST.plugins.map((p) => p.type), ["flannel", "portmap"]);
});

Deno.test("resultAddress() reads the first IP or reports the plugin's error", () => {
  const ok = { code: 0, stderr: "", stdout: '{"ips":[{"address":"10.244.3.2/24"}]}' };
  assertEquals(resultAddress(ok), "10.244.3.2");
  assertThrows(
    () => resultAddress({ code: 1, stderr: "", stdout: '{"code":11,"msg":"no subnet.env"}' }),
    Error,
    "no subnet.env",
  );
  assertThrows(() => resultAddress({ code: 1, stderr: "boom", stdout: "" }), Error, "boom");
});

Deno.test({
  name: "runCni() ADD through main.ts wires a pod namespace; DEL removes it",
  ignore: !isRoot,
  fn: () =>
    withNetns(2, async (host, pod) => {
      const dir = await Deno.makeTempDir({ prefix: "sandbox-cni-" });
      try {
        await Deno.writeTextFile(
          `${dir}/subnet.env`,
          "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.3.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n",
        );
        const conf = flannelPluginConf(`${dir}/subnet.env`, dir);
        const add = await runCni("ADD", host, pod, "c1", conf);
        assertEquals(resultAddress(add), "10.244.3.2");
        const addrs = await pod.ipJson("addr", "show", "eth0");
        assertEquals((addrs[0]!.addr_info as { local: string }[])[0]!.local, "10.244.3.2");
        const del = await runCni("DEL", host, pod, "c1", conf);
        assertEquals(del.code, 0, del.stderr);
        assert((await pod.exec("ip", ["link", "show", "eth0"])).code !== 0, "eth0 gone");
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    }, "scn"),
});
