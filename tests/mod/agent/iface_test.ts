import { assertEquals, assertThrows } from "../../harness/assert.ts";
import {
  candidateAddrs,
  type FactAddr,
  IfaceError,
  type IfaceFacts,
  type IfaceRequest,
  interfaceLines,
  selectInterface,
} from "../../../mod/agent/iface.ts";
import { parseIP } from "../../../mod/ip/mod.ts";

const addr = (
  index: number,
  ip: string,
  prefixLen: number,
  over: Partial<FactAddr> = {},
): FactAddr => ({
  index,
  ip: parseIP(ip),
  prefixLen,
  scope: "global",
  permanent: true,
  deprecated: false,
  temporary: false,
  ...over,
});

const facts: IfaceFacts = {
  links: [
    { index: 1, name: "lo", mtu: 65536 },
    { index: 2, name: "eth0", mtu: 1500 },
    { index: 3, name: "eth1", mtu: 9000 },
  ],
  addrs: [
    addr(1, "127.0.0.1", 8, { scope: "host" }),
    addr(2, "198.18.0.1", 24),
    addr(2, "fe80::1", 64, { scope: "link" }),
    addr(2, "2001:db8::1", 64, { permanent: false }),
    addr(2, "2001:db8::99", 64),
    addr(3, "198.19.0.1", 24),
    addr(3, "2001:db8:1::1", 64),
  ],
  defaultRoute: { 4: 2, 6: 2 },
  canReach: null,
};

const req = (over: Partial<IfaceRequest> = {}): IfaceRequest => ({
  ifaces: [],
  ifaceRegex: [],
  canReach: null,
  publicIP: null,
  publicIPv6: null,
  enableIPv4: true,
  enableIPv6: false,
  ...over,
});

const pick = (f: IfaceFacts, r: IfaceRequest) => {
  const x = selectInterface(f, r);
  return [x.name, `${x.addr4}`, `${x.addr6}`, `${x.extAddr4}`, `${x.extAddr6}`];
};

Deno.test("selectInterface() defaults to the default-route interface", () => {
  assertEquals(pick(facts, req()), ["eth0", "198.18.0.1", "null", "198.18.0.1", "null"]);
  const x = selectInterface(facts, req());
  assertEquals([x.index, x.mtu, x.onLink.map(String)], [2, 1500, [
    "198.18.0.0/24",
    "2001:db8::/64",
    "2001:db8::/64",
  ]]);
});

Deno.test("candidateAddrs() prefers global, permanent, non-temporary addresses", () => {
  assertEquals(candidateAddrs(facts, 2, 6).map((a) => `${a.ip}`), [
    "2001:db8::99",
    "2001:db8::1",
    "fe80::1",
  ]);
});

Deno.test("selectInterface() takes --iface by name or by IP, in order", () => {
  assertEquals(pick(facts, req({ ifaces: ["eth9", "eth1"] }))[0], "eth1");
  assertEquals(pick(facts, req({ ifaces: ["198.19.0.1"] })), [
    "eth1",
    "198.19.0.1",
    "null",
    "198.19.0.1",
    "null",
  ]);
  assertEquals(pick(facts, req({ ifaces: ["2001:db8::1"], enableIPv4: false, enableIPv6: true })), [
    "eth0",
    "null",
    "2001:db8::1",
    "null",
    "2001:db8::1",
  ]);
});

Deno.test("selectInterface() matches --iface-regex on addresses first, then names", () => {
  assertEquals(pick(facts, req({ ifaceRegex: ["^198\\.19\\."] }))[0], "eth1");
  assertEquals(pick(facts, req({ ifaceRegex: ["^eth1$"] }))[0], "eth1");
  // Dual stack needs both families to match on one interface; else names are tried.
  // eth1 has no IPv6 address matching, so the address pass fails and the name pass finds none.
  assertThrows(
    () => selectInterface(facts, req({ ifaceRegex: ["^198\\.19\\."], enableIPv6: true })),
    IfaceError,
  );
  assertEquals(
    pick(facts, req({ ifaceRegex: ["^(198\\.19|2001:db8:1:)"], enableIPv6: true }))[0],
    "eth1",
  );
});

Deno.test("selectInterface() uses --iface-can-reach's route device and source", () => {
  const f = { ...facts, canReach: { index: 3, src: parseIP("198.19.0.1") } };
  assertEquals(pick(f, req({ canReach: parseIP("198.19.0.77") }))[0], "eth1");
});

Deno.test("selectInterface() finds the interface carrying --public-ip; advertises it", () => {
  assertEquals(pick(facts, req({ publicIP: parseIP("198.19.0.1") })), [
    "eth1",
    "198.19.0.1",
    "null",
    "198.19.0.1",
    "null",
  ]);
  assertThrows(
    () => selectInterface(facts, req({ publicIP: parseIP("203.0.113.1") })),
    IfaceError,
    "Failed to find any valid interface to use",
  );
  // With --iface, a public IP that is not local is only advertised (NAT).
  assertEquals(pick(facts, req({ ifaces: ["eth0"], publicIP: parseIP("203.0.113.1") })), [
    "eth0",
    "198.18.0.1",
    "null",
    "203.0.113.1",
    "null",
  ]);
});

Deno.test("selectInterface() dual stack picks both addresses and checks default routes agree", () => {
  assertEquals(pick(facts, req({ enableIPv6: true })), [
    "eth0",
    "198.18.0.1",
    "2001:db8::99",
    "198.18.0.1",
    "2001:db8::99",
  ]);
  assertThrows(
    () => selectInterface({ ...facts, defaultRoute: { 4: 2, 6: 3 } }, req({ enableIPv6: true })),
    IfaceError,
    "v6 default route interface eth1 must be the same with v4 default route interface eth0",
  );
});

Deno.test("selectInterface() errors name what is missing", () => {
  assertThrows(
    () => selectInterface(facts, req({ ifaces: ["nope"], ifaceRegex: ["^zz"] })),
    IfaceError,
    "Failed to find interface to use that matches the interfaces and/or regexes provided",
  );
  assertThrows(
    () => selectInterface({ ...facts, defaultRoute: { 4: null, 6: null } }, req()),
    IfaceError,
    "no default route for IPv4",
  );
  assertThrows(
    () => selectInterface(facts, req({ ifaces: ["lo"] })),
    IfaceError,
    "failed to find IPv4 address for interface lo",
  );
  const zeroMtu = { ...facts, links: facts.links.map((l) => ({ ...l, mtu: 0 })) };
  assertThrows(() => selectInterface(zeroMtu, req()), IfaceError, "failed to read MTU");
});

Deno.test("selectInterface() logs upstream's line for how it looks (default, public IP, can-reach)", () => {
  const logged = (f: IfaceFacts, r: IfaceRequest) => {
    const lines: string[] = [];
    selectInterface(f, r, (m) => lines.push(m));
    return lines;
  };
  assertEquals(logged(facts, req()), ["Determining IP address of default interface"]);
  assertEquals(logged(facts, req({ publicIP: parseIP("198.19.0.1") })), [
    "Searching for interface using 198.19.0.1",
  ]);
  const f = { ...facts, canReach: { index: 3, src: parseIP("198.19.0.1") } };
  assertEquals(logged(f, req({ ifaces: ["eth9"], canReach: parseIP("198.19.0.77") })), [
    "Could not find valid interface matching eth9",
    "Determining interface to use based on given ifcanreach: 198.19.0.77",
  ]);
});

Deno.test("interfaceLines() are upstream's LookupExtIface lines, per family", () => {
  const v4 = selectInterface(facts, req());
  assertEquals(interfaceLines(v4, null, null), [
    "Using interface with name eth0 and address 198.18.0.1",
    "Defaulting external address to interface address (198.18.0.1)",
  ]);
  const nat = selectInterface(facts, req({ ifaces: ["eth0"], publicIP: parseIP("203.0.113.1") }));
  assertEquals(interfaceLines(nat, parseIP("203.0.113.1"), null), [
    "Using interface with name eth0 and address 198.18.0.1",
    "Using 203.0.113.1 as external address",
  ]);
  const dual = selectInterface(facts, req({ enableIPv6: true }));
  assertEquals(interfaceLines(dual, null, null), [
    "Using interface with name eth0 and address 198.18.0.1",
    "Using interface with name eth0 and v6 address 2001:db8::99",
    "Defaulting external address to interface address (198.18.0.1)",
    "Defaulting external v6 address to interface address (2001:db8::99)",
  ]);
  const v6 = selectInterface(facts, req({ enableIPv4: false, enableIPv6: true }));
  assertEquals(interfaceLines(v6, null, parseIP("2001:db8::99")), [
    "Using interface with name eth0 and v6 address 2001:db8::99",
    "Using 2001:db8::99 as external address",
  ]);
});
