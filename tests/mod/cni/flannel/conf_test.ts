import { assertEquals, assertThrows } from "../../../harness/assert.ts";
import { parseFlannelConf } from "../../../../mod/cni/flannel/conf.ts";

Deno.test("parseFlannelConf() defaults and explicit values (§2.10 B)", () => {
  const d = parseFlannelConf({ name: "cni-flannel", type: "flannel" });
  assertEquals([d.name, d.subnetFile, d.dataDir, d.delegate, d.ipam, d.runtimeConfig], [
    "cni-flannel",
    "/run/flannel/subnet.env",
    "/var/lib/cni/flannel",
    null,
    null,
    null,
  ]);
  const e = parseFlannelConf({ name: "n", subnetFile: "/x/s.env", dataDir: "/x/d" });
  assertEquals([e.subnetFile, e.dataDir], ["/x/s.env", "/x/d"]);
});

Deno.test("parseFlannelConf() Go decoding: case-insensitive keys, null keeps default, '' overrides", () => {
  const c = parseFlannelConf({
    name: "n",
    SubnetFile: "/a",
    DATADIR: null,
    Delegate: { isDefaultGateway: true },
    runtimeConfig: {},
    cniVersion: "0.3.1",
  });
  assertEquals([c.subnetFile, c.dataDir, c.delegate, c.runtimeConfig, c.cniVersion], [
    "/a",
    "/var/lib/cni/flannel",
    { isDefaultGateway: true },
    {},
    "0.3.1",
  ]);
  assertEquals(parseFlannelConf({ name: "n", subnetFile: "" }).subnetFile, "");
});

Deno.test("parseFlannelConf() wrong JSON types name the field and its Go type", () => {
  assertThrows(
    () => parseFlannelConf({ name: "n", delegate: "bridge" }),
    Error,
    "failed to load netconf: json: cannot unmarshal string into Go struct field NetConf.delegate of type map[string]interface {}",
  );
  assertThrows(
    () => parseFlannelConf({ name: "n", dataDir: 5 }),
    Error,
    "NetConf.dataDir of type string",
  );
  assertThrows(
    () => parseFlannelConf({ name: "n", capabilities: { a: 1 } }),
    Error,
    "of type bool",
  );
  assertThrows(
    () => parseFlannelConf({ name: "n", dns: { nameservers: "x" } }),
    Error,
    "of type []string",
  );
  assertThrows(() => parseFlannelConf({ name: "n", ipam: [] }), Error, "cannot unmarshal array");
});
