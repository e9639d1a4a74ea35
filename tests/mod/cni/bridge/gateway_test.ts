import { assertEquals } from "../../../harness/assert.ts";
import { planGateways } from "../../../../mod/cni/bridge/gateway.ts";
import type { CniResult } from "../../../../mod/cni/result.ts";

const ipam = (ips: CniResult["ips"], routes: CniResult["routes"] = []): CniResult => ({
  cniVersion: "1.1.0",
  interfaces: [],
  ips,
  routes,
  dns: {},
});

Deno.test("planGateways() default routes per family, gateways on the bridge", () => {
  const { result, bridgeAddrs } = planGateways(
    ipam(
      [{ address: "10.244.1.2/24", gateway: "10.244.1.1" }, {
        address: "fd00::2/64",
        gateway: "fd00::1",
      }],
      [{ dst: "10.244.0.0/16" }],
    ),
    { isGateway: true, isDefaultGateway: true },
  );
  assertEquals(result.ips.map((i) => i.interface), [2, 2]);
  assertEquals(result.routes, [
    { dst: "10.244.0.0/16" },
    { dst: "0.0.0.0/0", gw: "10.244.1.1" },
    { dst: "::/0", gw: "fd00::1" },
  ]);
  assertEquals(bridgeAddrs.map((b) => `${b.ip}/${b.prefixLen}`), ["10.244.1.1/24", "fd00::1/64"]);
});

Deno.test("planGateways() fills a missing gateway; keeps an existing default route", () => {
  const { result } = planGateways(
    ipam([{ address: "10.0.5.9/16" }], [{ dst: "0.0.0.0/0", gw: "10.0.0.254" }]),
    { isGateway: true, isDefaultGateway: true },
  );
  assertEquals(result.ips[0]!.gateway, "10.0.0.1");
  assertEquals(result.routes, [{ dst: "0.0.0.0/0", gw: "10.0.0.254" }]);
});

Deno.test("planGateways() without isGateway touches neither gateways nor the bridge", () => {
  const { result, bridgeAddrs } = planGateways(ipam([{ address: "10.0.0.2/24" }]), {
    isGateway: false,
    isDefaultGateway: false,
  });
  assertEquals(result.ips, [{ address: "10.0.0.2/24", interface: 2 }]);
  assertEquals([result.routes, bridgeAddrs], [[], []]);
});
