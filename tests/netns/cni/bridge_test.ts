/** The flannel plugin with its in-process bridge + host-local, for real, in namespaces. */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../../harness/assert.ts";
import { isRoot, NOT_ROOT } from "../../../scripts/lab/netns.ts";
import {
  exists,
  pings,
  SUBNET_ENV_DUAL,
  SUBNET_ENV_V4,
  SUBNET_ENV_V6,
  sysctl,
  withNode,
} from "./helpers.ts";

const ignore = !isRoot;
if (ignore) console.warn(`CNI netns tests ignored: ${NOT_ROOT}`);

type Addr = {
  ifname: string;
  mtu: number;
  addr_info: {
    family: string;
    local: string;
    prefixlen: number;
    broadcast?: string;
    scope: string;
  }[];
};
type Route = { dst: string; gateway?: string; dev: string };

Deno.test({
  name: "ADD gives an address in FLANNEL_SUBNET with the right routes and MTU",
  ignore,
  fn: () =>
    withNode(SUBNET_ENV_V4, async (node) => {
      const pod = await node.pod();
      const r = await node.flannel("ADD", { pod, id: "pod-a" });
      assertEquals(r.code, 0, r.stdout + r.stderr);
      const res = r.json();
      assertEquals(res.cniVersion, "1.0.0");
      assertEquals(res.ips, [{ address: "10.244.1.2/24", gateway: "10.244.1.1", interface: 2 }]);
      assertEquals(res.routes, [{ dst: "10.244.0.0/16" }, { dst: "0.0.0.0/0", gw: "10.244.1.1" }]);
      assertEquals(
        res.interfaces.map((i: { name: string }) => i.name.replace(/^veth[0-9a-f]{8}$/, "veth")),
        ["cni0", "veth", "eth0"],
      );
      assertEquals(res.interfaces[2].sandbox, pod.path);

      const [eth0] = await node.ipJson<Addr[]>(pod, "addr", "show", "eth0");
      assertEquals(eth0!.mtu, 1450);
      const v4 = eth0!.addr_info.filter((a) => a.family === "inet");
      assertEquals(v4.map((a) => [a.local, a.prefixlen, a.broadcast]), [[
        "10.244.1.2",
        24,
        "10.244.1.255",
      ]]);
      const routes = await node.ipJson<Route[]>(pod, "route", "show");
      const desc = routes.map((x) => `${x.dst} ${x.gateway ?? "-"} ${x.dev}`).sort();
      assertEquals(desc, [
        "10.244.0.0/16 10.244.1.1 eth0",
        "10.244.1.0/24 - eth0",
        "default 10.244.1.1 eth0",
      ]);

      const [br] = await node.ipJson<Addr[]>(node.host, "addr", "show", "cni0");
      assertEquals(br!.mtu, 1450);
      assertEquals(
        br!.addr_info.filter((a) => a.family === "inet").map((a) => `${a.local}/${a.prefixlen}`),
        ["10.244.1.1/24"],
      );
      const ports = await node.host.bridgeJson<{ ifname: string; master: string }[]>(
        "link",
        "show",
      );
      assertEquals(ports.map((p) => p.master), ["cni0"]);
      const details = await node.host.ipJson<
        { linkinfo: { info_slave_data: { hairpin: boolean } } }[]
      >("-d", "link", "show", res.interfaces[1].name);
      assertEquals(details[0]!.linkinfo.info_slave_data.hairpin, true);
      assertEquals(await sysctl(node.host, "net/ipv4/ip_forward"), "1");
      assertEquals(await sysctl(pod, "net/ipv4/conf/eth0/arp_notify"), "1");
      assertEquals(await Deno.readTextFile(`${node.dir}/ipam/cbr0/10.244.1.2`), "pod-a\r\neth0");
    }),
});

Deno.test({
  name: "pods on one host reach each other and their gateway",
  ignore,
  fn: () =>
    withNode(SUBNET_ENV_V4, async (node) => {
      const [a, b] = [await node.pod(), await node.pod()];
      assertEquals((await node.flannel("ADD", { pod: a, id: "a" })).code, 0);
      assertEquals((await node.flannel("ADD", { pod: b, id: "b" })).code, 0);
      assert(await pings(a, "10.244.1.3"), "a → b");
      assert(await pings(b, "10.244.1.2"), "b → a");
      assert(await pings(a, "10.244.1.1"), "a → gateway");
    }),
});

Deno.test({
  name: "IPv6-only and dual-stack pods get addresses, routes and connectivity",
  ignore,
  fn: async () => {
    await withNode(SUBNET_ENV_V6, async (node) => {
      const [a, b] = [await node.pod(), await node.pod()];
      const ra = await node.flannel("ADD", { pod: a, id: "a" });
      assertEquals(ra.code, 0, ra.stdout);
      assertEquals(ra.json().ips, [{
        address: "fd44:0:0:1::2/64",
        gateway: "fd44:0:0:1::1",
        interface: 2,
      }]);
      assertEquals(ra.json().routes, [{ dst: "fd44::/48" }, { dst: "::/0", gw: "fd44:0:0:1::1" }]);
      assertEquals((await node.flannel("ADD", { pod: b, id: "b" })).code, 0);
      assertEquals(await sysctl(a, "net/ipv6/conf/eth0/accept_dad"), "0");
      assertEquals(await sysctl(node.host, "net/ipv6/conf/all/forwarding"), "1");
      assert(await pings(a, "fd44:0:0:1::3"), "a → b over IPv6");
    });
    await withNode(SUBNET_ENV_DUAL, async (node) => {
      const [a, b] = [await node.pod(), await node.pod()];
      const ra = await node.flannel("ADD", { pod: a, id: "a" });
      assertEquals(ra.json().ips.map((i: { address: string }) => i.address), [
        "10.244.1.2/24",
        "fd44:0:0:1::2/64",
      ]);
      assertEquals(ra.json().routes.length, 4);
      assertEquals((await node.flannel("ADD", { pod: b, id: "b" })).code, 0);
      assert(await pings(a, "10.244.1.3"), "v4");
      assert(await pings(a, "fd44:0:0:1::3"), "v6");
      const v6routes = await node.ipJson<Route[]>(a, "-6", "route", "show");
      assert(v6routes.some((x) => x.dst === "default" && x.gateway === "fd44:0:0:1::1"));
      const files = [...Deno.readDirSync(`${node.dir}/ipam/cbr0`)].map((e) => e.name).sort();
      assertEquals(files.filter((f) => f.startsWith("last_")), [
        "last_reserved_ip.0",
        "last_reserved_ip.1",
      ]);
    });
  },
});

Deno.test({
  name: "DEL removes the veth and frees the address; repeated and late DELs succeed",
  ignore,
  fn: () =>
    withNode(SUBNET_ENV_V4, async (node) => {
      const a = { pod: await node.pod(), id: "a" };
      assertEquals((await node.flannel("ADD", a)).code, 0);
      const hostVeths = async () =>
        (await node.ipJson<{ ifname: string }[]>(node.host, "link", "show", "type", "veth")).length;
      assertEquals(await hostVeths(), 1);
      const del = await node.flannel("DEL", a);
      assertEquals([del.code, del.stdout], [0, ""]);
      assertEquals(await hostVeths(), 0);
      assertEquals((await node.ipJson(a.pod, "link", "show", "eth0").catch(() => [])).length, 0);
      assert(!(await exists(`${node.dir}/ipam/cbr0/10.244.1.2`)));
      assert(!(await exists(`${node.dir}/flannel/a`)));
      assertEquals((await node.flannel("DEL", a)).code, 0, "DEL twice");
      assertEquals(
        (await node.flannel("DEL", { pod: a.pod, id: "never-added" })).code,
        0,
        "DEL without ADD",
      );
      // Round robin: the next pod gets .3, not the freed .2.
      const b = { pod: await node.pod(), id: "b" };
      assertEquals((await node.flannel("ADD", b)).json().ips[0].address, "10.244.1.3/24");
      // The runtime removes the netns before DEL: the address is still released.
      await b.pod.delete();
      assertEquals((await node.flannel("DEL", b)).code, 0);
      assertEquals((await node.flannel("DEL", b, undefined, { CNI_NETNS: "" })).code, 0);
      assert(!(await exists(`${node.dir}/ipam/cbr0/10.244.1.3`)));
    }),
});

Deno.test({
  name: "range exhaustion fails with host-local's message and keeps earlier pods",
  ignore,
  fn: () =>
    withNode(SUBNET_ENV_V4.replace("10.244.1.1/24", "10.244.1.1/29"), async (node) => {
      for (let i = 0; i < 5; i++) {
        const r = await node.flannel("ADD", { pod: await node.pod(), id: `p${i}` });
        assertEquals(r.code, 0, r.stdout);
      }
      const full = await node.flannel("ADD", { pod: await node.pod(), id: "p5" });
      assertEquals(full.code, 1);
      assertEquals(full.json(), {
        code: 999,
        msg:
          "failed to allocate for range 0: no IP addresses available in range set: 10.244.1.1-10.244.1.6",
      });
      const taken = [...Deno.readDirSync(`${node.dir}/ipam/cbr0`)].filter((e) =>
        e.name.startsWith("10.")
      );
      assertEquals(taken.length, 5);
      assertEquals((await node.flannel("DEL", { pod: node.pods[5]!, id: "p5" })).code, 0);
    }),
});

Deno.test({
  name: "ADD refuses an interface name that already exists in the pod",
  ignore,
  fn: () =>
    withNode(SUBNET_ENV_V4, async (node) => {
      const a = { pod: await node.pod(), id: "a" };
      assertEquals((await node.flannel("ADD", a)).code, 0);
      const again = await node.flannel("ADD", { ...a, id: "b" });
      assertEquals(again.json(), {
        code: 999,
        msg: "container veth name provided (eth0) already exists",
      });
      const missing = await node.flannel(
        "ADD",
        { pod: a.pod, id: "c", ifname: "eth1" },
        undefined,
        {
          CNI_NETNS: "/var/run/netns/does-not-exist",
        },
      );
      assertMatch(
        missing.json().msg,
        /^failed to open netns "\/var\/run\/netns\/does-not-exist": failed to Statfs/,
      );
      assertStringIncludes(missing.json().msg, "no such file or directory");
    }),
});
