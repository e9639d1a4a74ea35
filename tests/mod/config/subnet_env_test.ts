import { assertEquals, assertThrows } from "../../harness/assert.ts";
import fc from "fast-check";
import { ConfigError, ParseError } from "../../../mod/errors.ts";
import { IPAddr, IPNet, parseCIDR } from "../../../mod/ip/mod.ts";
import { createLogger } from "../../../mod/log.ts";
import {
  formatSubnetEnv,
  parseDotenv,
  previousSubnets,
  type SubnetEnv,
  subnetEnvCIDR,
  subnetEnvCIDRs,
  subnetEnvVars,
} from "../../../mod/config/subnet_env.ts";

function capture() {
  const lines: string[] = [];
  const log = createLogger({
    write: (l) => lines.push(l.slice(0, 1) + l.slice(l.indexOf("] ") + 2).trimEnd()),
    pid: 0,
  });
  return { lines, log };
}

const none = { network: null, subnet: null, ipv6Network: null, ipv6Subnet: null };
const v4: SubnetEnv = {
  ...none,
  network: parseCIDR("10.1.0.0/16"),
  subnet: parseCIDR("10.1.74.0/24"),
  mtu: 1472,
  ipMasq: false,
};

Deno.test("formatSubnetEnv() writes upstream's lines in upstream's order", () => {
  // dist/sample_subnet.env
  assertEquals(
    formatSubnetEnv(v4),
    "FLANNEL_NETWORK=10.1.0.0/16\nFLANNEL_SUBNET=10.1.74.1/24\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=false\n",
  );
  // Documentation example, dual stack
  assertEquals(
    formatSubnetEnv({
      network: parseCIDR("10.42.0.0/16"),
      subnet: parseCIDR("10.42.0.0/24"),
      ipv6Network: parseCIDR("2001:cafe:42::/56"),
      ipv6Subnet: parseCIDR("2001:cafe:42::/64"),
      mtu: 1450,
      ipMasq: true,
    }),
    "FLANNEL_NETWORK=10.42.0.0/16\nFLANNEL_SUBNET=10.42.0.1/24\n" +
      "FLANNEL_IPV6_NETWORK=2001:cafe:42::/56\nFLANNEL_IPV6_SUBNET=2001:cafe:42::1/64\n" +
      "FLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n",
  );
  // IPv6 only: no IPv4 lines at all
  assertEquals(
    formatSubnetEnv({
      ...none,
      ipv6Network: parseCIDR("fd00:10:244::/56"),
      ipv6Subnet: parseCIDR("fd00:10:244:3::/64"),
      mtu: 1430,
      ipMasq: true,
    }),
    "FLANNEL_IPV6_NETWORK=fd00:10:244::/56\nFLANNEL_IPV6_SUBNET=fd00:10:244:3::1/64\n" +
      "FLANNEL_MTU=1430\nFLANNEL_IPMASQ=true\n",
  );
  // Lease 10.5.72.0/24 → 10.5.72.1/24 (spec §5); a /31 lease still has a second address.
  assertEquals(
    formatSubnetEnv({ ...v4, subnet: parseCIDR("10.5.72.0/24") }).split("\n")[1],
    "FLANNEL_SUBNET=10.5.72.1/24",
  );
  assertEquals(
    formatSubnetEnv({ ...v4, subnet: parseCIDR("10.1.72.0/31") }).split("\n")[1],
    "FLANNEL_SUBNET=10.1.72.1/31",
  );
});

Deno.test("formatSubnetEnv() refuses inconsistent input", () => {
  assertThrows(
    () => formatSubnetEnv({ ...v4, subnet: null }),
    ConfigError,
    "both a network and a subnet",
  );
  assertThrows(
    () => formatSubnetEnv({ ...v4, ...none }),
    ConfigError,
    "needs an IPv4 or IPv6 subnet",
  );
  assertThrows(
    () => formatSubnetEnv({ ...v4, subnet: parseCIDR("fc00::/64") }),
    ConfigError,
    "is not IPv4",
  );
  assertThrows(
    () => formatSubnetEnv({ ...v4, subnet: parseCIDR("10.1.74.5/32") }),
    ConfigError,
    "no usable",
  );
  assertThrows(() => formatSubnetEnv({ ...v4, mtu: 0 }), ConfigError, "Invalid MTU");
  assertThrows(() => formatSubnetEnv({ ...v4, mtu: 1.5 }), ConfigError, "Invalid MTU");
});

Deno.test("parseDotenv() reads what flannel writes and common dotenv forms", () => {
  const vars = parseDotenv(
    "# written by flanneld\n\nFLANNEL_NETWORK=10.1.0.0/16\r\nexport FLANNEL_MTU=1450\n" +
      'A = spaced # comment\nB=\'single # kept\'\nC="dq \\"x\\" \\n"\nD: yaml\nE=\nE2=last\nE2=wins\n',
  );
  assertEquals(Object.fromEntries(vars), {
    FLANNEL_NETWORK: "10.1.0.0/16",
    FLANNEL_MTU: "1450",
    A: "spaced",
    B: "single # kept",
    C: 'dq "x" \n',
    D: "yaml",
    E: "",
    E2: "wins",
  });
});

Deno.test("parseDotenv() refuses lines that are not assignments", () => {
  for (const bad of ["JUSTTEXT", "1KEY=x", "MY KEY=x", 'A="open', "A='x' trailing", "=x"]) {
    assertThrows(() => parseDotenv(bad), ParseError);
  }
});

Deno.test("subnet file readers keep valid entries and skip bad ones (main_test.go vectors)", () => {
  const { lines, log } = capture();
  const vars = parseDotenv(
    "FLANNEL_SUBNET=10.244.1.0/24,not-a-cidr,10.244.2.0/24\n" +
      "FLANNEL_IPV6_SUBNET=fd00::/64,not-a-cidr,fd01::/64\n",
  );
  const v4 = subnetEnvCIDRs(vars, "FLANNEL_SUBNET", log, "/x/subnet.env").map(String);
  assertEquals(v4, ["10.244.1.0/24", "10.244.2.0/24"]);
  const v6 = subnetEnvCIDRs(vars, "FLANNEL_IPV6_SUBNET", log, "/x/subnet.env").map(String);
  assertEquals(v6, ["fd00::/64", "fd01::/64"]);
  assertEquals(lines, [
    'ECouldn\'t parse previous FLANNEL_SUBNET from subnet file at /x/subnet.env: invalid IPv4 CIDR "not-a-cidr"',
    'ECouldn\'t parse previous FLANNEL_IPV6_SUBNET from subnet file at /x/subnet.env: invalid IPv6 CIDR "not-a-cidr"',
  ]);
});

Deno.test("subnetEnvCIDR() wants exactly one entry", () => {
  const { lines, log } = capture();
  const read = (text: string, key: "FLANNEL_SUBNET" | "FLANNEL_IPV6_SUBNET") =>
    subnetEnvCIDR(parseDotenv(text), key, log, "p")?.toString() ?? null;
  assertEquals(read("FLANNEL_SUBNET=10.5.72.1/24", "FLANNEL_SUBNET"), "10.5.72.0/24"); // host bits cleared
  assertEquals(
    read("FLANNEL_IPV6_SUBNET=2001:cafe:42::1/64", "FLANNEL_IPV6_SUBNET"),
    "2001:cafe:42::/64",
  );
  lines.length = 0;
  assertEquals(read("FLANNEL_SUBNET=not-a-cidr", "FLANNEL_SUBNET"), null);
  assertEquals(read("FLANNEL_IPV6_SUBNET=not-a-cidr", "FLANNEL_IPV6_SUBNET"), null);
  assertEquals(read("FLANNEL_SUBNET=fd00::/64", "FLANNEL_SUBNET"), null); // wrong family
  assertEquals(read("OTHER=1", "FLANNEL_SUBNET"), null);
  assertEquals(read("FLANNEL_SUBNET=10.0.1.0/24,10.0.2.0/24", "FLANNEL_SUBNET"), null);
  assertEquals(lines.filter((l) => !l.startsWith("ECouldn't parse")), [
    "Wno subnet found for key: FLANNEL_SUBNET in file: p",
    "Wno subnet found for key: FLANNEL_IPV6_SUBNET in file: p",
    "Wno subnet found for key: FLANNEL_SUBNET in file: p",
    "Wno subnet found for key: FLANNEL_SUBNET in file: p",
    "Eerror reading subnet: more than 1 entry found for key: FLANNEL_SUBNET in file p",
  ]);
});

Deno.test("subnetEnvVars() and previousSubnets(): missing or broken file → empty", () => {
  const { lines, log } = capture();
  assertEquals(subnetEnvVars(null, log, "p").size, 0);
  assertEquals(subnetEnvVars("garbage line", log, "p").size, 0);
  assertEquals(lines.length, 1);
  assertEquals(lines[0]!.startsWith("ECouldn't read subnet file at p: Invalid line 1"), true);
  const prev = previousSubnets(
    subnetEnvVars(formatSubnetEnv({ ...v4, ipMasq: true }), log, "p"),
    log,
    "p",
  );
  assertEquals([prev.subnet?.toString(), prev.ipv6Subnet], ["10.1.74.0/24", null]);
});

Deno.test("subnet.env readers on random text never throw; parseDotenv only ParseError", () => {
  const { log } = capture();
  const line = fc.oneof(
    fc.string(),
    fc.tuple(
      fc.constantFrom("FLANNEL_SUBNET", "FLANNEL_IPV6_SUBNET", "FLANNEL_NETWORK", "export X", "K"),
      fc.constantFrom("=", ":", " = "),
      fc.oneof(
        fc.string(),
        fc.constantFrom("10.0.0.0/8", "fd00::/64,x", "'q'", '"a\\"b"', "1.2.3.4/33"),
      ),
    ).map(([k, s, v]) => k + s + v),
  );
  fc.assert(
    fc.property(fc.array(line, { maxLength: 6 }), (lines) => {
      const text = lines.join("\n");
      try {
        parseDotenv(text);
      } catch (err) {
        if (!(err instanceof ParseError)) throw err;
      }
      const vars = subnetEnvVars(text, log, "p");
      previousSubnets(vars, log, "p");
      subnetEnvCIDRs(vars, "FLANNEL_NETWORK", log, "p");
      subnetEnvCIDRs(vars, "FLANNEL_IPV6_NETWORK", log, "p");
    }),
    { numRuns: 1000 },
  );
});

Deno.test("formatSubnetEnv() output reads back to the same lease subnets", () => {
  const { log } = capture();
  fc.assert(
    fc.property(
      fc.bigInt({ min: 0n, max: 0xffffffn }),
      fc.integer({ min: 8, max: 31 }),
      fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }),
      fc.integer({ min: 1, max: 127 }),
      (low24, len, v6value, len6) => {
        const subnet = IPNet.of(IPAddr.of(4, (10n << 24n) | low24), len);
        const ipv6Subnet = IPNet.of(IPAddr.of(6, v6value), len6);
        const text = formatSubnetEnv({
          network: parseCIDR("10.0.0.0/8"),
          subnet,
          ipv6Network: parseCIDR("::/0"),
          ipv6Subnet,
          mtu: 1450,
          ipMasq: false,
        });
        const prev = previousSubnets(subnetEnvVars(text, log, "p"), log, "p");
        assertEquals([prev.subnet?.toString(), prev.ipv6Subnet?.toString()], [
          subnet.toString(),
          ipv6Subnet.toString(),
        ]);
      },
    ),
    { numRuns: 300 },
  );
});
