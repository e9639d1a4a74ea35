import { assertEquals } from "../../../harness/assert.ts";
import { delegateConfigError } from "../../../../mod/cni/flannel/validate.ts";

/** The delegate config the flannel plugin renders for a /24 node subnet. */
const BRIDGE = {
  cniVersion: "1.0.0",
  name: "cbr0",
  type: "bridge",
  bridge: "cni0",
  isGateway: true,
  ipMasq: false,
  mtu: 1450,
  ipam: { type: "host-local", subnet: "10.244.1.0/24", dataDir: "/tmp/flannel-validate" },
};

Deno.test("the rendered bridge + host-local config passes", () => {
  assertEquals(delegateConfigError(BRIDGE, ""), null);
});

Deno.test("each delegate's refusal is returned in its words, before ADD saves anything", () => {
  assertEquals(
    delegateConfigError({ ...BRIDGE, vlan: "x" }, ""),
    "failed to load netconf: json: cannot unmarshal string into Go struct field NetConf.vlan of type int",
  );
  assertEquals(
    delegateConfigError({ ...BRIDGE, ipam: { ...BRIDGE.ipam, dataDir: 7 } }, ""),
    "json: cannot unmarshal number into Go struct field IPAMConfig.ipam.dataDir of type string",
  );
  assertEquals(
    delegateConfigError({ ...BRIDGE, ipam: { type: "host-local", subnet: "10.244.1.1/32" } }, ""),
    "invalid range set 0: Network 10.244.1.1/32 too small to allocate from",
  );
  assertEquals(delegateConfigError(BRIDGE, "IP=zz"), 'ARGS: unknown args ["IP=zz"]');
});

Deno.test("delegates we do not model are left to themselves", () => {
  assertEquals(delegateConfigError({ type: "macvlan", vlan: "x" }, ""), null);
  assertEquals(delegateConfigError({ ...BRIDGE, type: "ptp", ipam: { type: "dhcp" } }, ""), null);
});
