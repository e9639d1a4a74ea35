import { assertEquals } from "../../harness/assert.ts";
import { parseCIDR } from "../../../mod/ip/mod.ts";
import { RTPROT_FLANNEL, RTPROT_KERNEL } from "../../../mod/reconcile/diff.ts";
import {
  isForeignRoute,
  isOwnedDevice,
  isOwnedNeigh,
  isOwnedRoute,
  type Scope,
} from "../../../mod/reconcile/ownership.ts";

const scope: Scope = {
  devices: ["flannel.1"],
  networks: [parseCIDR("10.244.0.0/16"), parseCIDR("fd00:10::/48")],
  protocol: RTPROT_FLANNEL,
};
const rt = (dst: string, dev = "flannel.1") => ({ dst: parseCIDR(dst), dev });
const BOOT = 3;

Deno.test("isOwnedDevice() matches the backends' device names", async (t) => {
  for (
    const [name, want] of [
      ["flannel.1", true],
      ["flannel-v6.4096", true],
      ["flannel-wg", true],
      ["flannel0", true],
      ["eth0", false],
      ["cni0", false],
      ["myflannel", false],
    ] as const
  ) {
    await t.step(name, () => assertEquals(isOwnedDevice(name), want));
  }
});

Deno.test("isOwnedRoute() claims routes into the networks with our protocol or device", async (t) => {
  const cases: [string, ReturnType<typeof rt>, number | undefined, boolean][] = [
    ["our proto on the external interface (host-gw)", rt("10.244.2.0/24", "eth0"), 242, true],
    ["any proto on our device (upstream's proto boot)", rt("10.244.2.0/24"), BOOT, true],
    ["IPv6 on our device", rt("fd00:10:0:2::/64"), RTPROT_FLANNEL, true],
    ["proto kernel, even on our device", rt("10.244.2.0/24"), RTPROT_KERNEL, false],
    ["our proto outside the networks", rt("192.168.0.0/24", "eth0"), RTPROT_FLANNEL, false],
    ["our device outside the networks", rt("10.245.0.0/24"), BOOT, false],
    ["an operator's route on eth0 (proto boot)", rt("10.244.9.0/24", "eth0"), BOOT, false],
    ["a route of unknown protocol on eth0", rt("10.244.9.0/24", "eth0"), undefined, false],
  ];
  for (const [name, r, protocol, want] of cases) {
    await t.step(name, () => assertEquals(isOwnedRoute(r, protocol, scope), want));
  }
});

Deno.test("isForeignRoute() marks connected routes and routes outside the networks", async (t) => {
  const cases: [string, ReturnType<typeof rt>, number, boolean][] = [
    ["the underlay's connected route", rt("198.18.0.0/24", "eth0"), RTPROT_KERNEL, true],
    ["a connected route inside", rt("10.244.1.0/24", "cni0"), RTPROT_KERNEL, true],
    ["an operator's route outside", rt("192.168.0.0/24", "eth0"), BOOT, true],
    ["our route", rt("10.244.2.0/24"), RTPROT_FLANNEL, false],
    ["upstream's route inside (proto boot)", rt("10.244.2.0/24", "eth0"), BOOT, false],
  ];
  for (const [name, r, protocol, want] of cases) {
    await t.step(name, () => assertEquals(isForeignRoute(r, protocol, scope), want));
  }
});

Deno.test("isOwnedNeigh() claims only permanent entries on our devices", () => {
  assertEquals(isOwnedNeigh("flannel.1", true, scope), true);
  assertEquals(isOwnedNeigh("flannel.1", false, scope), false, "dynamic");
  assertEquals(isOwnedNeigh("eth0", true, scope), false, "not our device");
  assertEquals(isOwnedNeigh("flannel.2", true, scope), false, "a flannel name, not this scope's");
});
