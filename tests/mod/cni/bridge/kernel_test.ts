import { assert, assertEquals, assertThrows } from "../../../harness/assert.ts";
import { isRoot, NOT_ROOT, run, withNetns } from "../../../../scripts/lab/netns.ts";
import {
  addrSpec,
  ensureBridge,
  ensureBridgeAddr,
  HostNs,
  NetnsGoneError,
  openNetnsRtnl,
  podSysctls,
  routeDst,
} from "../../../../mod/cni/bridge/kernel.ts";
import { parseIP } from "../../../../mod/ip/mod.ts";

const ignore = !isRoot;
if (ignore) console.warn(`bridge kernel tests ignored: ${NOT_ROOT}`);

Deno.test("addrSpec() adds the IPv4 broadcast like the reference's netlink library", () => {
  assertEquals(`${addrSpec(3, parseIP("10.244.1.2"), 24).broadcast}`, "10.244.1.255");
  assertEquals("broadcast" in addrSpec(3, parseIP("10.0.0.1"), 31), false);
  assertEquals("broadcast" in addrSpec(3, parseIP("fd00::2"), 64), false);
  assertEquals(routeDst("10.96.0.1/12").toString(), "10.96.0.0/12");
  assertEquals(routeDst("::/0").toString(), "::/0");
});

Deno.test("openNetnsRtnl() words a missing netns like the reference", () => {
  const e = assertThrows(() => openNetnsRtnl("/var/run/netns/none-such-x"), NetnsGoneError);
  assertEquals(
    e.message,
    'failed to open netns "/var/run/netns/none-such-x": failed to Statfs "/var/run/netns/none-such-x": no such file or directory',
  );
});

Deno.test({
  name: "ensureBridge() creates or reuses the bridge and refuses a non-bridge",
  ignore,
  fn: () =>
    withNetns(1, async (h) => {
      const host = new HostNs(h.path);
      using nl = host.open();
      const br = ensureBridge(host, nl, "cni0", 1400, false);
      assertEquals(br.info?.kind, "bridge");
      const [link] = await h.ipJson<{ mtu: number; flags: string[] }[]>("link", "show", "cni0");
      assertEquals(link!.mtu, 1400);
      assert(link!.flags.includes("UP"));
      assertEquals(
        (await run("ip", [
          "netns",
          "exec",
          h.name,
          "cat",
          "/proc/sys/net/ipv6/conf/cni0/accept_ra",
        ])).trim(),
        "0",
      );
      // Reused as is: the MTU of an existing bridge is kept.
      assertEquals(ensureBridge(host, nl, "cni0", 9000, false).index, br.index);
      assertEquals((await h.ipJson<{ mtu: number }[]>("link", "show", "cni0"))[0]!.mtu, 1400);
      await h.ip("link", "add", "notbr", "type", "veth", "peer", "name", "notbr2");
      assertThrows(
        () => ensureBridge(host, nl, "notbr", 0, false),
        Error,
        'failed to create bridge "notbr": "notbr" already exists but is not a bridge',
      );
      ensureBridge(host, nl, "br-p", 0, true);
      const [p] = await h.ipJson<{ promiscuity: number }[]>("-d", "link", "show", "br-p");
      assertEquals(p!.promiscuity, 1);
    }, "ck"),
});

Deno.test({
  name: "ensureBridgeAddr() adds, keeps, refuses a different IPv4 address unless forced",
  ignore,
  fn: () =>
    withNetns(1, async (h) => {
      const host = new HostNs(h.path);
      using nl = host.open();
      const br = ensureBridge(host, nl, "cni0", 0, false);
      ensureBridgeAddr(nl, br, parseIP("10.244.1.1"), 24, false);
      ensureBridgeAddr(nl, br, parseIP("10.244.1.1"), 24, false);
      assertThrows(
        () => ensureBridgeAddr(nl, br, parseIP("10.245.3.1"), 24, false),
        Error,
        'failed to set bridge addr: "cni0" already has an IP address different from 10.245.3.1/24',
      );
      ensureBridgeAddr(nl, br, parseIP("fd00:1::1"), 64, false);
      ensureBridgeAddr(nl, br, parseIP("fd00:2::1"), 64, false); // IPv6: several may coexist
      ensureBridgeAddr(nl, br, parseIP("10.245.3.1"), 24, true);
      const [a] = await h.ipJson<
        { addr_info: { local: string; prefixlen: number; scope: string }[] }[]
      >(
        "addr",
        "show",
        "cni0",
      );
      const global = a!.addr_info.filter((i) => i.scope === "global").map((i) =>
        `${i.local}/${i.prefixlen}`
      );
      assertEquals(global.sort(), ["10.245.3.1/24", "fd00:1::1/64", "fd00:2::1/64"]);
    }, "ck"),
});

Deno.test({
  name: "podSysctls() writes inside the pod's namespace only",
  ignore,
  fn: () =>
    withNetns(1, async (p) => {
      await p.ip("link", "add", "eth0", "type", "veth", "peer", "name", "eth1");
      podSysctls(p.path, "eth0", true);
      const get = async (k: string) =>
        (await run("ip", ["netns", "exec", p.name, "cat", `/proc/sys/${k}`])).trim();
      assertEquals(await get("net/ipv4/conf/eth0/arp_notify"), "1");
      assertEquals(await get("net/ipv6/conf/eth0/accept_dad"), "0");
      assertEquals(await get("net/ipv6/conf/eth0/disable_ipv6"), "0");
    }, "ck"),
});
