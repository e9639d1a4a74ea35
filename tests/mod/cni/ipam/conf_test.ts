import { assertEquals, assertThrows } from "../../../harness/assert.ts";
import { loadIpamConfig, parseResolvConf } from "../../../../mod/cni/ipam/conf.ts";

const base = (ipam: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  cniVersion: "1.0.0",
  name: "cbr0",
  ipam: { type: "host-local", ...ipam },
  ...extra,
});

Deno.test("loadIpamConfig() reads flannel's delegate ipam", () => {
  const c = loadIpamConfig(
    base({
      ranges: [[{ subnet: "10.244.1.0/24" }], [{ subnet: "fc00::/64" }]],
      routes: [{ dst: "10.244.0.0/16" }, { dst: "fc00::/48" }],
    }),
    "IgnoreUnknown=1;K8S_POD_NAME=p",
  );
  assertEquals(c.name, "cbr0");
  assertEquals(c.dataDir, "/var/lib/cni/networks");
  assertEquals(c.ranges.map((s) => s[0]!.subnet.toString()), ["10.244.1.0/24", "fc00::/64"]);
  assertEquals(c.routes, [{ dst: "10.244.0.0/16" }, { dst: "fc00::/48" }]);
  assertEquals(c.requestedIPs, []);
});

Deno.test("loadIpamConfig() legacy range, runtime ranges and requested IPs", () => {
  const c = loadIpamConfig(
    base(
      { subnet: "10.1.0.0/24", ranges: [[{ subnet: "10.2.0.0/24" }]], dataDir: "/tmp/x" },
      {
        runtimeConfig: { ipRanges: [[{ subnet: "10.3.0.0/24" }]], ips: ["10.3.0.9/24"] },
        args: { cni: { ips: ["10.2.0.8"] } },
      },
    ),
    "IP=10.1.0.7",
  );
  assertEquals(c.ranges.map((s) => s[0]!.subnet.toString()), [
    "10.3.0.0/24",
    "10.1.0.0/24",
    "10.2.0.0/24",
  ]);
  assertEquals(c.requestedIPs.map(String), ["10.1.0.7", "10.2.0.8", "10.3.0.9"]);
  assertEquals(c.dataDir, "/tmp/x");
});

Deno.test("loadIpamConfig() errors like host-local", () => {
  assertThrows(
    () => loadIpamConfig({ name: "n" }, ""),
    Error,
    "IPAM config missing 'ipam' key",
  );
  assertThrows(() => loadIpamConfig(base({}), ""), Error, "no IP ranges specified");
  assertThrows(
    () => loadIpamConfig(base({ ranges: [[{ subnet: "10.0.0.0/31" }]] }), ""),
    Error,
    "invalid range set 0: Network 10.0.0.0/31 too small to allocate from",
  );
  assertThrows(
    () =>
      loadIpamConfig(
        base({ ranges: [[{ subnet: "10.0.0.0/24" }], [{ subnet: "10.0.0.0/25" }]] }),
        "",
      ),
    Error,
    "range set 0 overlaps with 1",
  );
  assertThrows(
    () =>
      loadIpamConfig(
        {
          ...base({ ranges: [[{ subnet: "10.0.0.0/24" }], [{ subnet: "10.1.0.0/24" }]] }),
          cniVersion: "0.2.0",
        },
        "",
      ),
    Error,
    "CNI version 0.2.0 does not support more than 1 address per family",
  );
  assertThrows(
    () => loadIpamConfig(base({ ranges: [[{ subnet: "10.0.0.0/24" }]] }), "K8S_POD_NAME=p"),
    Error,
    'ARGS: unknown args ["K8S_POD_NAME=p"]',
  );
});

Deno.test("parseResolvConf() reads nameserver, domain, search, options", async () => {
  const f = await Deno.makeTempFile();
  try {
    await Deno.writeTextFile(
      f,
      "# c\nnameserver 10.96.0.10\nnameserver 8.8.8.8\ndomain cluster.local\nsearch a b\n; x\noptions ndots:5\nbogus\n",
    );
    assertEquals(parseResolvConf(f), {
      nameservers: ["10.96.0.10", "8.8.8.8"],
      domain: "cluster.local",
      search: ["a", "b"],
      options: ["ndots:5"],
    });
  } finally {
    await Deno.remove(f);
  }
});
