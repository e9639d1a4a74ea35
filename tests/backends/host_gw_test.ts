import { assertEquals, assertRejects } from "../harness/assert.ts";
import { lease } from "../harness/leases.ts";
import { hostGw, hostGwLeaseProblem, hostGwPlan } from "../../backends/host_gw.ts";
import { loadNetworkConfig } from "../../mod/config/net_conf.ts";
import { ConfigError } from "../../mod/errors.ts";
import { parseCIDR, parseIP } from "../../mod/ip/mod.ts";
import { silentLogger } from "../../mod/log.ts";
import { describeEntry } from "../../mod/reconcile/entries.ts";

const NO_HINTS = { macV4: null, macV6: null, publicIP: null, publicIPv6: null };
const iface = {
  name: "eth0",
  index: 2,
  mtu: 1500,
  addr4: parseIP("198.18.0.1"),
  addr6: parseIP("2001:db8::1"),
  extAddr4: parseIP("198.18.0.1"),
  extAddr6: parseIP("2001:db8::1"),
  onLink: [parseCIDR("198.18.0.0/24")],
};
const DUAL = loadNetworkConfig(
  `{"Network":"10.244.0.0/16","EnableIPv6":true,"IPv6Network":"fd00:10::/48","Backend":{"Type":"host-gw"}}`,
);

const peer = lease({
  subnet: "10.244.2.0/24",
  ipv6Subnet: "fd00:10:0:2::/64",
  publicIP: "198.18.0.2",
  publicIPv6: "2001:db8::2",
  backendType: "host-gw",
});

Deno.test("hostGwPlan() routes each family via the peer's public address", () => {
  const v4only = lease({ subnet: "10.244.3.0/24", publicIP: "198.18.0.3", backendType: "host-gw" });
  const other = lease({ subnet: "10.244.4.0/24", publicIP: "198.18.0.4", backendType: "vxlan" });
  assertEquals(hostGwPlan("eth0", [peer, v4only, other]).map(describeEntry), [
    "route 10.244.2.0/24 via 198.18.0.2 dev eth0",
    "route fd00:10:0:2::/64 via 2001:db8::2 dev eth0",
    "route 10.244.3.0/24 via 198.18.0.3 dev eth0",
  ]);
});

Deno.test("hostGwPlan() routes only the families this host runs", () => {
  assertEquals(hostGwPlan("eth0", [peer], { 4: true, 6: false }).map(describeEntry), [
    "route 10.244.2.0/24 via 198.18.0.2 dev eth0",
  ]);
});

Deno.test("hostGwLeaseProblem() wants a gateway of each routed family", () => {
  const both = { 4: true, 6: true };
  const ok = lease({ subnet: "10.244.2.0/24", publicIP: "198.18.0.2", backendType: "host-gw" });
  assertEquals(hostGwLeaseProblem(both, ok), null);
  const noGw6 = lease({
    subnet: "10.244.3.0/24",
    ipv6Subnet: "fd00:10:0:3::/64",
    publicIP: "198.18.0.3",
    backendType: "host-gw",
  });
  assertEquals(hostGwLeaseProblem(both, noGw6), "it has no PublicIPv6");
  assertEquals(hostGwLeaseProblem({ 4: true, 6: false }, noGw6), null);
  const crossed = lease({
    subnet: "10.244.4.0/24",
    publicIP: "2001:db8::4",
    backendType: "host-gw",
  });
  assertEquals(hostGwLeaseProblem(both, crossed), 'PublicIP "2001:db8::4" is not an IPv4 address');
  const none = lease({ subnet: "10.244.5.0/24", backendType: "host-gw" });
  assertEquals(hostGwLeaseProblem(both, none), "it has no PublicIP");
});

Deno.test("hostGw.prepare() publishes public addresses, the interface MTU, no devices", async () => {
  const p = await hostGw.create(hostGw.parseConfig({}), {
    devices: null as never,
    randomBytes: () => new Uint8Array(),
  }).prepare({ config: DUAL, iface, lease: null, hints: NO_HINTS, logger: silentLogger });
  assertEquals(p.mtu, 1500);
  assertEquals(p.devices, []);
  assertEquals(p.attrs, {
    publicIP: parseIP("198.18.0.1"),
    publicIPv6: parseIP("2001:db8::1"),
    backendType: "host-gw",
  });
});

Deno.test("hostGw.prepare() refuses to run behind NAT, with upstream's message", async () => {
  const b = hostGw.create({}, { devices: null as never, randomBytes: () => new Uint8Array() });
  await assertRejects(
    () =>
      b.prepare({
        config: DUAL,
        iface: { ...iface, extAddr4: parseIP("203.0.113.1") },
        lease: null,
        hints: NO_HINTS,
        logger: silentLogger,
      }),
    ConfigError,
    "your PublicIP differs from interface IP, meaning that probably you're on a NAT",
  );
});
