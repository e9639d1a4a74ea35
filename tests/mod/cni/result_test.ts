import { assertEquals, assertThrows } from "../../harness/assert.ts";
import { type CniResult, formatResult, parseResult } from "../../../mod/cni/result.ts";

const fixture = (name: string) =>
  Deno.readTextFileSync(new URL(`../../fixtures/cni/${name}`, import.meta.url));

Deno.test("formatResult() reprints reference bridge output byte for byte", async (t) => {
  for (
    const [file, version] of <[string, string][]> [
      ["bridge_result_0.1.0.json", "0.1.0"],
      ["bridge_result_0.3.1.json", "0.3.1"],
      ["bridge_result_1.0.0_sorted.json", "1.0.0"],
    ]
  ) {
    await t.step(version, () => {
      const text = fixture(file);
      assertEquals(formatResult(parseResult(JSON.parse(text), version), version), text);
    });
  }
});

const current: CniResult = {
  cniVersion: "1.1.0",
  interfaces: [
    { name: "cni0", mac: "aa:aa:aa:aa:aa:aa" },
    { name: "veth01234567", mac: "bb:bb:bb:bb:bb:bb" },
    { name: "eth0", mac: "cc:cc:cc:cc:cc:cc", sandbox: "/var/run/netns/p" },
  ],
  ips: [
    { address: "10.244.1.2/24", gateway: "10.244.1.1", interface: 2 },
    { address: "10.244.9.2/24", gateway: "10.244.9.1", interface: 2 },
    { address: "fc00::2/64", gateway: "fc00::1", interface: 2 },
  ],
  routes: [{ dst: "10.244.0.0/16" }, { dst: "fc00::/48" }, { dst: "0.0.0.0/0", gw: "10.244.1.1" }],
  dns: {},
};

Deno.test("formatResult() shapes results per version", async (t) => {
  for (const v of ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"]) {
    await t.step(v, () => {
      const o = JSON.parse(formatResult(current, v));
      assertEquals(o.cniVersion, v);
      if (v.startsWith("0.1") || v.startsWith("0.2")) {
        // Only the first address of each family; routes split by family.
        assertEquals(o.ip4, {
          ip: "10.244.1.2/24",
          gateway: "10.244.1.1",
          routes: [{ dst: "10.244.0.0/16" }, { dst: "0.0.0.0/0", gw: "10.244.1.1" }],
        });
        assertEquals(o.ip6.routes, [{ dst: "fc00::/48" }]);
        assertEquals([o.interfaces, o.ips, o.dns], [undefined, undefined, {}]);
      } else if (v.startsWith("0.")) {
        assertEquals(Object.keys(o), ["cniVersion", "interfaces", "ips", "routes", "dns"]);
        assertEquals(o.ips[2], {
          version: "6",
          interface: 2,
          address: "fc00::2/64",
          gateway: "fc00::1",
        });
      } else {
        assertEquals(Object.keys(o), ["cniVersion", "interfaces", "ips", "routes"]);
        assertEquals(Object.keys(o.ips[0]), ["address", "gateway", "interface"]);
      }
    });
  }
});

Deno.test("parseResult() reads every version back into one shape", () => {
  for (const v of ["0.2.0", "0.4.0", "1.1.0"]) {
    const back = parseResult(JSON.parse(formatResult(current, v)), v);
    assertEquals(back.ips[0]!.address, "10.244.1.2/24");
    assertEquals(back.routes.some((r) => r.dst === "fc00::/48"), true);
  }
  const legacy = parseResult(JSON.parse(fixture("bridge_result_0.1.0.json")), "0.1.0");
  assertEquals(legacy.ips, [
    { address: "10.244.1.2/24", gateway: "10.244.1.1" },
    { address: "fc00::2/64", gateway: "fc00::1" },
  ]);
  assertEquals(legacy.routes.length, 4);
});

Deno.test("parseResult() and formatResult() refuse malformed results", () => {
  assertThrows(() => parseResult([], "1.0.0"), Error, "result must be an object");
  assertThrows(() => parseResult({ ips: [{ address: "10.0.0.1" }] }, "1.0.0"), Error, "CIDR");
  assertThrows(() => parseResult({ routes: [{ dst: "x" }] }, "1.0.0"), Error, "CIDR");
  assertThrows(
    () => formatResult({ ...current, ips: [] }, "0.2.0"),
    Error,
    "cannot convert: no valid IP addresses",
  );
});
