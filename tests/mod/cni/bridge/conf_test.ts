import { assertEquals, assertThrows } from "../../../harness/assert.ts";
import { ConfigError } from "../../../../mod/errors.ts";
import {
  bridgeDelConf,
  inProcessSupported,
  parseBridgeConf,
} from "../../../../mod/cni/bridge/conf.ts";

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

/**
 * Wrong JSON types with the message /usr/lib/cni/bridge (1.1.1) answers, observed for a DEL of
 * `{"cniVersion":"1.0.0","name":"n",<field>}`; the last rows are fields 1.1.1 does not know
 * yet, typed as in containernetworking/plugins main. Before, only the boolean/number/string
 * options were checked; `vlan`, `dns`, `args`, `runtimeConfig`, `capabilities` passed as is.
 */
const WRONG_TYPES: [Record<string, unknown>, string][] = [
  [{ bridge: 5 }, "number into Go struct field NetConf.bridge of type string"],
  [{ isGateway: "x" }, "string into Go struct field NetConf.isGateway of type bool"],
  [{ mtu: 1.5 }, "number 1.5 into Go struct field NetConf.mtu of type int"],
  [{ hairpinMode: 0 }, "number into Go struct field NetConf.hairpinMode of type bool"],
  [{ vlan: "x" }, "string into Go struct field NetConf.vlan of type int"],
  [{ macspoofchk: 1 }, "number into Go struct field NetConf.macspoofchk of type bool"],
  [{ enabledad: 1 }, "number into Go struct field NetConf.enabledad of type bool"],
  [{ type: 5 }, "number into Go struct field NetConf.type of type string"],
  [{ capabilities: { a: 1 } }, "number into Go struct field NetConf.capabilities of type bool"],
  [
    { capabilities: "x" },
    "string into Go struct field NetConf.capabilities of type map[string]bool",
  ],
  [{ dns: "x" }, "string into Go struct field NetConf.dns of type types.DNS"],
  [
    { dns: { nameservers: "x" } },
    "string into Go struct field DNS.dns.nameservers of type []string",
  ],
  [{ ipam: "x" }, "string into Go struct field NetConf.ipam of type types.IPAM"],
  [{ ipam: { type: 5 } }, "number into Go struct field IPAM.ipam.type of type string"],
  [
    { prevResult: "x" },
    "string into Go struct field NetConf.prevResult of type map[string]interface {}",
  ],
  [
    { args: "x" },
    'string into Go struct field NetConf.args of type struct { Cni main.BridgeArgs "json:\\"cni,omitempty\\"" }',
  ],
  [{ args: { cni: "x" } }, "string into Go struct field .args.cni of type main.BridgeArgs"],
  [
    { args: { cni: { mac: 5 } } },
    "number into Go struct field BridgeArgs.args.cni.mac of type string",
  ],
  [
    { runtimeConfig: "x" },
    'string into Go struct field NetConf.runtimeConfig of type struct { Mac string "json:\\"mac,omitempty\\"" }',
  ],
  [{ runtimeConfig: { mac: 5 } }, "number into Go struct field .runtimeConfig.mac of type string"],
  [{ ipMasqBackend: 5 }, "number into Go struct field NetConf.ipMasqBackend of type string"],
  [{ portIsolation: 1 }, "number into Go struct field NetConf.portIsolation of type bool"],
  [{ vlanTrunk: [{ id: "x" }] }, "string into Go struct field VlanTrunk.vlanTrunk.id of type int"],
];

Deno.test("parseBridgeConf() refuses every wrong JSON type with the reference's message", () => {
  for (const [field, what] of WRONG_TYPES) {
    const err = assertThrows(() => parseBridgeConf({ name: "n", ...field }, ""), ConfigError);
    assertEquals(err.message, `failed to load netconf: json: cannot unmarshal ${what}`);
  }
});

Deno.test("bridgeDelConf() reads what DEL needs and ignores wrong types", () => {
  const c = bridgeDelConf({
    name: "cbr0",
    mtu: "1400",
    ipMasq: "yes",
    bridge: 5,
    ipam: { type: "host-local", ranges: [[{ subnet: "10.0.0.0/31" }]] },
  });
  assertEquals([c.name, c.ipMasq, c.bridge, c.ipamType], ["cbr0", false, "cni0", "host-local"]);
  assertEquals(bridgeDelConf({ ...flannelDelegate, IPMASQ: true }).ipMasq, true);
  assertEquals(bridgeDelConf({ name: "n", ipam: "x" }).ipamType, "");
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
