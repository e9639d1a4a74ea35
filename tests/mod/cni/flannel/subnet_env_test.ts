import { assertEquals, assertThrows } from "../../../harness/assert.ts";
import { loadSubnetEnv, parseSubnetEnv } from "../../../../mod/cni/flannel/subnet_env.ts";
import { SUBNET_ENV } from "./vectors.ts";

const F = "/run/flannel/subnet.env";
const text = (e: ReturnType<typeof parseSubnetEnv>) => ({
  networks: e.networks.map(String),
  subnet: e.subnet?.toString() ?? null,
  ip6Networks: e.ip6Networks.map(String),
  ip6Subnet: e.ip6Subnet?.toString() ?? null,
  mtu: e.mtu,
  ipMasq: e.ipMasq,
});

Deno.test("parseSubnetEnv() upstream vectors (§2.10 C)", () => {
  assertEquals(text(parseSubnetEnv(SUBNET_ENV.onlyIpv4, F)), {
    networks: ["10.1.0.0/16"],
    subnet: "10.1.17.0/24",
    ip6Networks: [],
    ip6Subnet: null,
    mtu: 1472,
    ipMasq: true,
  });
  const v6 = text(parseSubnetEnv(SUBNET_ENV.onlyIpv6, F));
  assertEquals([v6.ip6Networks, v6.ip6Subnet, v6.subnet], [["fc00::/48"], "fc00::/64", null]);
  const dual = text(parseSubnetEnv(SUBNET_ENV.dualStack, F));
  assertEquals([dual.networks, dual.subnet, dual.ip6Networks, dual.ip6Subnet], [
    ["10.1.0.0/16"],
    "10.1.17.0/24",
    ["fc00::/48"],
    "fc00::/64",
  ]);
  assertThrows(
    () => parseSubnetEnv("foo=bar\n", F),
    Error,
    "/run/flannel/subnet.env is missing FLANNEL_NETWORK, FLANNEL_IPV6_NETWORK, FLANNEL_SUBNET, FLANNEL_IPV6_SUBNET, FLANNEL_MTU, FLANNEL_IPMASQ",
  );
});

Deno.test("parseSubnetEnv() line rules: CRLF, first '=', no trimming, later wins, lists", () => {
  const e = parseSubnetEnv(
    "FLANNEL_NETWORK=10.1.0.0/16\r\n# comment\nexport FLANNEL_MTU=1\nFLANNEL_NETWORK=10.2.0.1/16,10.2.0.0/16,10.3.0.0/16\n" +
      "FLANNEL_SUBNET=10.2.5.1/24\nFLANNEL_MTU=01450\nFLANNEL_IPMASQ=TRUE\nFLANNEL_IPV6_SUBNET=fc00:0:0:5::1/64\n",
    F,
  );
  assertEquals(text(e), {
    networks: ["10.2.0.0/16", "10.3.0.0/16"],
    subnet: "10.2.5.0/24",
    ip6Networks: [],
    ip6Subnet: "fc00:0:0:5::/64",
    mtu: 1450,
    ipMasq: false,
  });
});

Deno.test("parseSubnetEnv() malformed lines are clean errors; a bare key is ignored", () => {
  const ok = "FLANNEL_SUBNET=10.1.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n";
  assertThrows(() => parseSubnetEnv(`FLANNEL_NETWORK=\n${ok}`, F), Error, "invalid CIDR address: ");
  assertThrows(
    () => parseSubnetEnv(`FLANNEL_NETWORK=10.0.0.0/8,\n${ok}`, F),
    Error,
    "invalid CIDR address: ",
  );
  assertThrows(
    () => parseSubnetEnv(`FLANNEL_NETWORK= 10.0.0.0/8\n${ok}`, F),
    Error,
    "invalid CIDR address:  10.0.0.0/8",
  );
  assertThrows(
    () => parseSubnetEnv(`FLANNEL_SUBNET=10.244.1.1\n`, F),
    Error,
    "invalid CIDR address: 10.244.1.1",
  );
  for (
    const [v, why] of [
      ["abc", "invalid syntax"],
      ["-5", "invalid syntax"],
      ["+1", "invalid syntax"],
      ["", "invalid syntax"],
      ["99999999999", "value out of range"],
    ]
  ) {
    assertThrows(
      () => parseSubnetEnv(`FLANNEL_MTU=${v}\n`, F),
      Error,
      `strconv.ParseUint: parsing "${v}": ${why}`,
    );
  }
  assertThrows(
    () => parseSubnetEnv(`FLANNEL_NETWORK\n${ok}`, F),
    Error,
    `${F} is missing FLANNEL_NETWORK, FLANNEL_IPV6_NETWORK`,
  );
});

Deno.test("loadSubnetEnv() reports a missing file in Go's words", () => {
  assertThrows(
    () => loadSubnetEnv("/nonexistent/subnet.env"),
    Error,
    "open /nonexistent/subnet.env: no such file or directory",
  );
  assertThrows(() => loadSubnetEnv(""), Error, "open : no such file or directory");
  assertThrows(() => loadSubnetEnv("/tmp"), Error, "read /tmp: is a directory");
});
