import { assertEquals } from "../harness/assert.ts";
import { MAX_VNI, vtepMac, vxlanDataProblem } from "../../backends/vxlan_lease.ts";

const MAC = "02:42:c6:12:00:64";

Deno.test("upstream's backend data is plannable; keys match as Go's decoder does", () => {
  assertEquals(vxlanDataProblem({ VNI: 1, VtepMAC: MAC }, "BackendData"), null);
  assertEquals(vxlanDataProblem({ vni: 1, vtepmac: "02:42:C6:12:00:64" }, "BackendData"), null);
  assertEquals(vxlanDataProblem({ VtepMAC: MAC }, "BackendData"), null); // VNI is optional
  assertEquals(vxlanDataProblem({ VNI: MAX_VNI, VtepMAC: MAC }, "BackendData"), null);
  assertEquals(vtepMac({ vtepMAC: "02:42:C6:12:00:64" }), MAC);
  assertEquals(vtepMac("str"), null);
});

Deno.test("each bad backend data says why, naming the field", () => {
  const cases: [unknown, string][] = [
    [undefined, "it has no BackendData"],
    ["str", 'BackendData "str" is not a JSON object'],
    [[1], "BackendData [1] is not a JSON object"],
    [{ VNI: "x", VtepMAC: MAC }, 'BackendData: VNI "x" is not a VXLAN network identifier'],
    [{ VNI: 1.5, VtepMAC: MAC }, "BackendData: VNI 1.5 is not a VXLAN network identifier"],
    [
      { VNI: MAX_VNI + 1, VtepMAC: MAC },
      "BackendData: VNI 16777216 is not a VXLAN network identifier",
    ],
    [{ VNI: 1 }, "BackendData has no VtepMAC"],
    [{ VNI: 1, VtepMAC: "zz" }, 'BackendData: VtepMAC "zz" is not a MAC address'],
    [
      { VNI: 1, VtepMAC: "ff:ff:ff:ff:ff:ff" },
      'BackendData: VtepMAC "ff:ff:ff:ff:ff:ff" is a multicast or broadcast address',
    ],
    [
      { VNI: 1, VtepMAC: "01:00:5e:00:00:01" },
      'BackendData: VtepMAC "01:00:5e:00:00:01" is a multicast or broadcast address',
    ],
    [
      { VNI: 1, VtepMAC: "00:00:00:00:00:00" },
      'BackendData: VtepMAC "00:00:00:00:00:00" is all zeros',
    ],
  ];
  for (const [data, want] of cases) assertEquals(vxlanDataProblem(data, "BackendData"), want);
  assertEquals(vxlanDataProblem({ VNI: 1 }, "BackendV6Data"), "BackendV6Data has no VtepMAC");
});

Deno.test("a long bad value is shortened for the log line", () => {
  const got = vxlanDataProblem("x".repeat(100), "BackendData")!;
  assertEquals(got, `BackendData "${"x".repeat(39)}… is not a JSON object`);
});
