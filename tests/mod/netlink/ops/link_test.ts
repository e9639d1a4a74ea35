import { assertEquals, assertThrows } from "../../../harness/assert.ts";
import { parseIP } from "../../../../mod/ip/mod.ts";
import * as K from "../../../../mod/netlink/codec/consts.ts";
import { Conn } from "../../../../mod/netlink/conn.ts";
import {
  bridgePortDump,
  bridgePortSet,
  isUp,
  linkAdd,
  linkBody,
  linkDel,
  linkDump,
  linkGet,
  LinkOps,
  linkSet,
  vethInfo,
} from "../../../../mod/netlink/ops/link.ts";
import { FakeKernel } from "../fake_kernel.ts";
import { goldenRequest } from "../golden.ts";

Deno.test("link request builders equal what iproute2 sends", async (t) => {
  const cases: [string, () => unknown][] = [
    ["link_add_vxlan", () =>
      linkAdd({
        name: "vx0",
        mtu: 1450,
        info: {
          kind: "vxlan",
          vxlan: { id: 1, link: 2, local: parseIP("198.18.0.1"), learning: false, port: 8472 },
        },
      })],
    ["link_add_bridge", () => linkAdd({ name: "br0", mtu: 1450, info: { kind: "bridge" } })],
    ["link_add_wireguard", () => linkAdd({ name: "wg0", info: { kind: "wireguard" } })],
    [
      "link_add_veth_netns",
      () => linkAdd({ name: "eth0", mtu: 1450, info: vethInfo("vethab12cd34", { netnsFd: 4 }) }),
    ],
    ["link_set_up", () => linkSet(6, { up: true })],
    ["link_set_down", () => linkSet(6, { up: false })],
    ["link_set_mtu_address", () => linkSet(6, { mtu: 1400, mac: "0e:00:00:00:00:01" })],
    ["link_set_master", () => linkSet(4, { master: 8 })],
    ["link_set_nomaster", () => linkSet(3, { master: null })],
    ["link_set_netns", () => linkSet(3, { netnsFd: 4 })],
    ["link_del", () => linkDel(7)],
    ["link_get", () => linkGet("vx0")],
    ["link_dump", () => linkDump()],
    ["bridge_link_hairpin", () => bridgePortSet(4, { hairpin: true })],
    [
      "bridge_link_flags",
      () => bridgePortSet(4, { hairpin: false, learning: false, isolated: true }),
    ],
  ];
  for (const [name, build] of cases) {
    await t.step(name, () => assertEquals(build(), goldenRequest(name)));
  }
});

Deno.test("linkSet() by name, rename needs an index, pid namespaces", () => {
  assertEquals(linkSet("eth0", { up: true }).body, linkBody({ name: "eth0", flags: 1, change: 1 }));
  assertEquals(
    linkSet(5, { name: "eth1", netnsPid: 42, txqlen: 10 }).body,
    linkBody({ index: 5, name: "eth1", netnsPid: 42, txqlen: 10 }),
  );
  assertThrows(() => linkSet("eth0", { name: "eth1" }), TypeError);
  assertEquals(
    linkAdd({
      name: "x",
      up: true,
      master: 3,
      mac: "02:00:00:00:00:01",
      txqlen: 5,
      netnsFd: 9,
      info: { kind: "bridge" },
    }).body,
    linkBody({
      flags: K.IFF_UP,
      change: K.IFF_UP,
      mac: "02:00:00:00:00:01",
      master: 3,
      txqlen: 5,
      netnsFd: 9,
      name: "x",
      info: { kind: "bridge" },
    }),
  );
  assertEquals(bridgePortDump().body.family, K.AF_BRIDGE);
});

Deno.test("LinkOps: get, find (null when missing), list by kind, bridge ports", () => {
  const links = [
    linkBody({ index: 1, name: "lo", flags: K.IFF_UP }),
    linkBody({ index: 6, name: "vx0", info: { kind: "vxlan" } }),
  ];
  const k = new FakeKernel((m) => {
    if (m.kind !== "link" || m.type !== K.RTM_GETLINK) return;
    if (m.body.family === K.AF_BRIDGE) {
      return {
        objects: [linkBody({ family: K.AF_BRIDGE, index: 6, protinfo: { hairpin: true } })],
      };
    }
    if (m.flags & K.NLM_F_DUMP) return { objects: links };
    const l = links.find((x) => x.name === m.body.name);
    return l ? { objects: [l] } : { errno: 19 };
  });
  const ops = new LinkOps(new Conn(k));
  assertEquals(ops.get("vx0").index, 6);
  assertEquals(ops.find("nope"), null);
  assertEquals(ops.list({ kind: "vxlan" }).map((l) => l.name), ["vx0"]);
  assertEquals(ops.list().length, 2);
  assertEquals(isUp(ops.get("lo")), true);
  assertEquals(ops.listBridgePorts()[0]!.protinfo, { hairpin: true });
  ops.add({ name: "br0", info: { kind: "bridge" } });
  ops.set(6, { up: true });
  ops.setBridgePort(6, { hairpin: true });
  ops.del(6);
  assertEquals(k.sent.slice(-4).map((m) => m.type), [
    K.RTM_NEWLINK,
    K.RTM_NEWLINK,
    K.RTM_SETLINK,
    K.RTM_DELLINK,
  ]);
});

Deno.test("LinkOps.find() rethrows errors other than not-found", () => {
  const ops = new LinkOps(new Conn(new FakeKernel(() => ({ errno: 1 }))));
  assertEquals(assertThrows(() => ops.find("x")).message, `"ip link get dev x" failed: EPERM`);
});
