import { assertEquals, assertThrows } from "../../../harness/assert.ts";
import { parseFlannelConf } from "../../../../mod/cni/flannel/conf.ts";
import { buildDelegate, serializeDelegate } from "../../../../mod/cni/flannel/delegate.ts";
import { parseSubnetEnv } from "../../../../mod/cni/flannel/subnet_env.ts";
import { inputIpam, SCRATCH, SUBNET_ENV } from "./vectors.ts";

const env = (k: keyof typeof SUBNET_ENV) => parseSubnetEnv(SUBNET_ENV[k], "f");
const render = (conf: Record<string, unknown>, k: keyof typeof SUBNET_ENV) =>
  serializeDelegate(buildDelegate(parseFlannelConf(conf), env(k)));

Deno.test("buildDelegate() scratch bytes equal the reference's (§2.10 A)", () => {
  const conf = { name: "cni-flannel", type: "flannel" };
  for (const k of Object.keys(SCRATCH) as (keyof typeof SCRATCH)[]) {
    assertEquals(render(conf, k), SCRATCH[k], k);
  }
});

Deno.test("buildDelegate() stock Kubernetes delegate (§2.3 example)", () => {
  const text = render({
    cniVersion: "0.3.1",
    name: "cbr0",
    type: "flannel",
    delegate: { hairpinMode: true, isDefaultGateway: true },
  }, "onlyIpv4");
  assertEquals(
    text,
    '{"cniVersion":"0.3.1","hairpinMode":true,"ipMasq":false,"ipam":{"ranges":[[{"subnet":"10.1.17.0/24"}]],"routes":[{"dst":"10.1.0.0/16"}],"type":"host-local"},"isDefaultGateway":true,"isGateway":true,"mtu":1472,"name":"cbr0","type":"bridge"}',
  );
});

Deno.test("buildDelegate() ipam assembly vectors (§2.10 D)", async (t) => {
  const cases: [string, keyof typeof SUBNET_ENV, string[], unknown[]][] = [
    ["ipv4", "onlyIpv4", ["10.1.0.0/16"], [[{ subnet: "10.1.17.0/24" }]]],
    ["ipv6", "onlyIpv6", ["fc00::/48"], [[{ subnet: "fc00::/64" }]]],
    ["dual", "dualStack", ["10.1.0.0/16", "fc00::/48"], [[{ subnet: "10.1.17.0/24" }], [{
      subnet: "fc00::/64",
    }]]],
  ];
  for (const type of ["my-ipam", ""]) {
    for (const [name, k, nets, ranges] of cases) {
      await t.step(`${type || "no type"} ${name}`, () => {
        const d = JSON.parse(render({ name: "cni-flannel", ipam: inputIpam(type) }, k));
        assertEquals(d.ipam, {
          type: type || "host-local",
          "unknown-param": "unknown-value",
          ranges,
          routes: [
            { dst: "10.96.0.0/12" },
            { dst: "192.168.244.0/24", gw: "10.1.17.20" },
            ...nets.map((dst) => ({ dst })),
          ],
        });
      });
    }
  }
  assertEquals(JSON.parse(render({ name: "n" }, "onlyIpv4MultipleNetworks")).ipam, {
    ranges: [[{ subnet: "10.1.17.0/24" }]],
    routes: [{ dst: "10.1.0.0/16" }, { dst: "192.168.0.0/16" }],
    type: "host-local",
  });
});

Deno.test("buildDelegate() keeps user keys, fills only what is absent", () => {
  const d = JSON.parse(render({
    name: "n",
    cniVersion: "1.0.0",
    runtimeConfig: { portMappings: [] },
    ipMasq: true,
    mtu: 9000,
    delegate: { type: "ipvlan", ipMasq: null, mtu: "1400", cniVersion: "0.4.0", runtimeConfig: 1 },
  }, "onlyIpv4"));
  assertEquals([d.type, d.ipMasq, d.mtu, d.isGateway, d.cniVersion, d.runtimeConfig], [
    "ipvlan",
    null,
    "1400",
    undefined,
    "1.0.0",
    { portMappings: [] },
  ]);
});

Deno.test("buildDelegate() route re-encoding: known fields, order, zeros dropped", () => {
  const text = render({
    name: "n",
    ipam: {
      routes: [{
        scope: 0,
        table: 5,
        priority: 0,
        mtu: 1400,
        gw: "10.0.0.1",
        dst: "10.96.0.1/12",
        x: 1,
      }],
    },
  }, "onlyIpv4");
  assertEquals(
    text.match(/"routes":\[\{[^\]]*\]/)?.[0],
    '"routes":[{"dst":"10.96.0.1/12","gw":"10.0.0.1","mtu":1400,"table":5,"scope":0},{"dst":"10.1.0.0/16"}]',
  );
});

Deno.test("buildDelegate() refuses bad delegate objects and routes", () => {
  const e = env("onlyIpv4");
  const build = (c: Record<string, unknown>) =>
    buildDelegate(parseFlannelConf({ name: "n", ...c }), e);
  assertThrows(
    () => build({ delegate: { type: 5 } }),
    Error,
    "'delegate' dictionary, if present, must have (string) 'type' field",
  );
  assertThrows(
    () => build({ delegate: { name: "x" } }),
    Error,
    "'delegate' dictionary must not have 'name' field, it'll be set by flannel",
  );
  assertThrows(
    () => build({ delegate: { ipam: {} } }),
    Error,
    "'delegate' dictionary must not have 'ipam' field, it'll be set by flannel",
  );
  assertThrows(
    () => build({ ipam: { routes: [{ dst: "nope" }] } }),
    Error,
    "failed to assemble Delegate IPAM: failed to read IPAM routes: failed to parse ipam.routes: invalid CIDR address: nope",
  );
  assertThrows(
    () => build({ ipam: { routes: { dst: "10.0.0.0/8" } } }),
    Error,
    "cannot unmarshal object",
  );
  assertThrows(
    () => build({ ipam: { routes: [{ dst: "10.0.0.0/8", mtu: 1.5 }] } }),
    Error,
    "number 1.5",
  );
});

Deno.test("serializeDelegate() escapes like Go", () => {
  const d = buildDelegate(
    parseFlannelConf({ name: "n", delegate: { note: "<&>" } }),
    env("onlyIpv4"),
  );
  assertEquals(serializeDelegate(d).includes('"note":"\\u003c\\u0026\\u003e"'), true);
});
