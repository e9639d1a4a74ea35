import { assert, assertEquals } from "../../harness/assert.ts";
import { Cluster, eventually, pingOnce } from "../../../scripts/lab/cluster.ts";
import { exec, isRoot, NOT_ROOT } from "../../../scripts/lab/netns.ts";

if (!isRoot) console.warn(`cluster harness tests ignored: ${NOT_ROOT}`);

Deno.test({
  name: "Cluster builds hosts on one switch, wires pods, and removes everything",
  ignore: !isRoot,
  async fn() {
    const c = await Cluster.create({ hosts: 3 });
    const names = [c.switchNs.name, ...c.hosts.flatMap((h) => [h.ns.name, h.pod.name])];
    try {
      const [a, b] = c.hosts as [typeof c.hosts[0], typeof c.hosts[0]];
      assert(await pingOnce(a.ns, b.ip4), "underlay IPv4");
      assert(await eventually(() => pingOnce(a.ns, b.ip6)), "underlay IPv6");
      await a.wirePod(
        new Map([
          ["FLANNEL_SUBNET", "10.244.7.1/24"],
          ["FLANNEL_IPV6_SUBNET", "fd00:10:0:7::1/64"],
          ["FLANNEL_MTU", "1450"],
        ]),
      );
      assertEquals([a.podIP, a.podIP6], ["10.244.7.2", "fd00:10:0:7::2"]);
      assert(await pingOnce(a.pod, "10.244.7.1"), "pod reaches its bridge");
      assert(await pingOnce(a.pod, "fd00:10:0:7::1"), "pod reaches its bridge over IPv6");
    } finally {
      await c.destroy();
    }
    const list = (await exec("ip", ["netns", "list"])).stdout;
    for (const n of names) assert(!list.includes(n), `${n} was removed`);
  },
});
