import { assertEquals, assertThrows } from "../../../harness/assert.ts";
import { inProcessSupported, parseBridgeConf } from "../../../../mod/cni/bridge/conf.ts";

const flannelDelegate = {
  cniVersion: "0.3.1",
  hairpinMode: true,
  ipMasq: false,
  ipam: { ranges: [[{ subnet: "10.244.1.0/24" }]], routes: [], type: "host-local" },
  isDefaultGateway: true,
  isGateway: true,
  mtu: 1450,
  name: "cbr0",
  type: "bridge",
};

Deno.test("parseBridgeConf() reads flannel's delegate with the reference's defaults", () => {
  const c = parseBridgeConf(flannelDelegate, "IgnoreUnknown=1;K8S_POD_NAME=p");
  assertEquals(c, {
    name: "cbr0",
    cniVersion: "0.3.1",
    bridge: "cni0",
    isGateway: true,
    isDefaultGateway: true,
    forceAddress: false,
    ipMasq: false,
    mtu: 1450,
    hairpinMode: true,
    promiscMode: false,
    ipamType: "host-local",
    mac: "",
    dns: {},
  });
  // isDefaultGateway implies isGateway.
  assertEquals(parseBridgeConf({ name: "n", isDefaultGateway: true }, "").isGateway, true);
  assertEquals(parseBridgeConf({ name: "n", Bridge: "br9" }, "").bridge, "br9");
});

Deno.test("parseBridgeConf() requested MAC: CNI_ARGS, then args.cni, then runtimeConfig", () => {
  assertEquals(parseBridgeConf({ name: "n" }, "MAC=02:00:00:00:00:01").mac, "02:00:00:00:00:01");
  const conf = { name: "n", args: { cni: { mac: "02:00:00:00:00:02" } } };
  assertEquals(parseBridgeConf(conf, "MAC=02:00:00:00:00:01").mac, "02:00:00:00:00:02");
  const rc = { ...conf, runtimeConfig: { mac: "02:00:00:00:00:03" } };
  assertEquals(parseBridgeConf(rc, "").mac, "02:00:00:00:00:03");
});

Deno.test("parseBridgeConf() refuses what the reference refuses", () => {
  assertThrows(
    () => parseBridgeConf({ name: "n", mtu: "1400" }, ""),
    Error,
    "failed to load netconf: json: cannot unmarshal string into Go struct field NetConf.mtu of type int",
  );
  assertThrows(() => parseBridgeConf({ name: "n", ipMasq: 1 }, ""), Error, "of type bool");
  assertThrows(
    () => parseBridgeConf({ name: "n", hairpinMode: true, promiscMode: true }, ""),
    Error,
    "cannot set hairpin mode and promiscuous mode at the same time",
  );
  assertThrows(() => parseBridgeConf({ name: "n" }, "K8S_POD_NAME=p"), Error, "ARGS: unknown args");
});

Deno.test("inProcessSupported() declines options the in-process bridge does not implement", () => {
  assertEquals(inProcessSupported(flannelDelegate), true);
  assertEquals(inProcessSupported({ ...flannelDelegate, ipMasqBackend: "iptables" }), true);
  for (
    const extra of [
      { vlan: 100 },
      { vlanTrunk: [{ id: 1 }] },
      { macspoofchk: true },
      { enabledad: true },
      { disableContainerInterface: true },
      { portIsolation: true },
      { ipMasqBackend: "nftables" },
      { ipam: {} },
      { ipam: null },
    ]
  ) {
    assertEquals(
      inProcessSupported({ ...flannelDelegate, ...extra }),
      false,
      JSON.stringify(extra),
    );
  }
  assertEquals(inProcessSupported({ ...flannelDelegate, vlan: 0, macspoofchk: false }), true);
});
