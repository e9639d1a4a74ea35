import { assertEquals } from "../../../harness/assert.ts";
import { isRoot, NOT_ROOT } from "../../../../scripts/lab/netns.ts";
import { bridgeAdd } from "../../../../mod/cni/bridge/add.ts";
import { bridgeDel } from "../../../../mod/cni/bridge/del.ts";
import { withBridgeCase } from "./world.ts";

const ignore = !isRoot;
if (ignore) console.warn(`bridge DEL tests ignored: ${NOT_ROOT}`);

Deno.test({
  name: "bridgeDel() removes the pair, the address and the masquerade rules; repeats are fine",
  ignore,
  fn: () =>
    withBridgeCase(async ({ host, dir, a, c, ipam, w }) => {
      await bridgeAdd(c, a, ipam, w);
      const rules = async () =>
        (await host.run("iptables", ["-t", "nat", "-S"])).split("\n").filter((l) =>
          l.includes("CNI-")
        );
      assertEquals((await rules()).length, 4);
      const phases: string[] = [];
      await bridgeDel(c, a, ipam, { ...w, trace: (p) => phases.push(p) });
      assertEquals(phases, ["pod-link", "ipam", "masq"]);
      await bridgeDel(c, a, ipam, w);
      assertEquals((await host.ipJson("link", "show", "type", "veth")).length, 0);
      assertEquals((await host.ipJson("link", "show", "cni0")).length, 1, "the bridge stays");
      assertEquals(await rules(), []);
      assertEquals(
        [...Deno.readDirSync(`${dir}/cbr0`)].filter((e) => e.name.startsWith("10.")),
        [],
      );
      await bridgeDel(c, { ...a, netns: "" }, ipam, w);
      await bridgeDel(c, { ...a, netns: "/var/run/netns/gone-x" }, ipam, w);
    }, { ipMasq: true }),
});
