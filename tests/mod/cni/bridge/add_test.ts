import { assertEquals, assertRejects } from "../../../harness/assert.ts";
import { isRoot, NOT_ROOT } from "../../../../scripts/lab/netns.ts";
import { bridgeAdd } from "../../../../mod/cni/bridge/add.ts";
import { withBridgeCase } from "./world.ts";

const ignore = !isRoot;
if (ignore) console.warn(`bridge ADD tests ignored: ${NOT_ROOT}`);

Deno.test({
  name: "bridgeAdd() sets up bridge, veth, addresses and routes; result in the current shape",
  ignore,
  fn: () =>
    withBridgeCase(async ({ host, pod, a, c, ipam, w }) => {
      const phases: string[] = [];
      const r = await bridgeAdd(c, a, ipam, { ...w, trace: (p) => phases.push(p) });
      assertEquals(phases, [
        "host-netlink",
        "bridge",
        "pod-netlink",
        "veth",
        "ipam",
        "pod-config",
        "gateway",
        "result",
      ]);
      assertEquals(r.interfaces.map((i) => i.name), ["cni0", "vetha0000000", "eth0"]);
      assertEquals(r.interfaces[2]!.sandbox, pod.path);
      assertEquals(r.ips, [{ address: "10.244.1.2/24", gateway: "10.244.1.1", interface: 2 }]);
      assertEquals(r.routes, [{ dst: "10.244.0.0/16" }, { dst: "0.0.0.0/0", gw: "10.244.1.1" }]);
      const [veth] = await host.ipJson<{ master: string; mtu: number; txqlen?: number }[]>(
        "link",
        "show",
        "vetha0000000",
      );
      assertEquals([veth!.master, veth!.mtu, veth!.txqlen ?? 0], ["cni0", 1450, 0]);
      const mac = (await pod.ipJson<{ address: string }[]>("link", "show", "eth0"))[0]!.address;
      assertEquals(r.interfaces[2]!.mac, mac);
    }),
});

Deno.test({
  name: "bridgeAdd() releases the address when a later step fails",
  ignore,
  fn: () =>
    withBridgeCase(async ({ host, dir, a, c, ipam, w }) => {
      await host.ip("link", "add", "cni0", "type", "bridge");
      await host.ip("addr", "add", "10.9.9.1/24", "dev", "cni0");
      await assertRejects(
        () => bridgeAdd(c, a, ipam, w),
        Error,
        'failed to set bridge addr: "cni0" already has an IP address different from 10.244.1.1/24',
      );
      const taken = [...Deno.readDirSync(`${dir}/cbr0`)].filter((e) => e.name.startsWith("10."));
      assertEquals(taken, []);
    }),
});
