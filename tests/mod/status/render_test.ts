import { assertEquals } from "../../harness/assert.ts";
import { buildReport } from "../../../mod/status/report.ts";
import { renderJson, renderText } from "../../../mod/status/render.ts";
import { MAC1, vxlanNode } from "./dump.ts";

const PATH = "/run/flannel/subnet.env";
const TEXT = "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\n" +
  "FLANNEL_IPMASQ=true\n";

function healthy() {
  const dump = vxlanNode();
  dump.links = dump.links.filter((l) => l.name !== "flannel-v6.1");
  dump.routes = dump.routes.filter((r) => r.family === 2);
  return buildReport({
    subnetFile: { path: PATH, text: TEXT, readError: null },
    health: {
      healthz: { url: "u/healthz", status: 200, body: "flanneld is running", error: null },
      readyz: { url: "u/readyz", status: 200, body: "flanneld is ready", error: null },
    },
    kernel: dump,
  });
}

Deno.test("renderText() of a healthy node: aligned key: value lines", () => {
  assertEquals(
    renderText(healthy()),
    [
      "status:      healthy",
      `subnet file: ${PATH}`,
      "network:     10.244.0.0/16",
      "subnet:      10.244.1.0/24",
      "mtu:         1450",
      "ip masq:     true",
      "healthz:     200 flanneld is running",
      "readyz:      200 flanneld is ready",
      `flannel.1:   up, mtu 1450, vni 1, local 198.18.0.11 port 8472, mac ${MAC1}, ` +
      "addr 10.244.1.0/32, routes 1, neighbours 1, fdb 1",
      "routes:      1 (1 with proto 242)",
      "neighbours:  1 permanent on flannel devices",
      "fdb:         1 on flannel devices",
      "",
    ].join("\n"),
  );
});

Deno.test("renderText() of a broken node lists every problem", () => {
  const r = buildReport({
    subnetFile: { path: "/x/subnet.env", text: null, readError: null },
    health: null,
    kernel: { error: "Operation not permitted" },
  });
  assertEquals(
    renderText(r),
    [
      "status:      UNHEALTHY (2 problems)",
      "subnet file: /x/subnet.env (missing)",
      "health:      not probed (--healthz-port 0)",
      "kernel:      unreadable (Operation not permitted)",
      'problem:     Subnet file "/x/subnet.env" does not exist (agent not started, or another ' +
      "--subnet-file)",
      "problem:     Cannot read the kernel state: Operation not permitted",
      "",
    ].join("\n"),
  );
});

Deno.test("renderText() shows unanswered probes, no devices and warnings", () => {
  const r = buildReport({
    subnetFile: { path: PATH, text: "FLANNEL_SUBNET=10.244.1.1/24\n", readError: null },
    health: {
      healthz: { url: "http://127.0.0.1:1/healthz", status: null, body: "", error: "timed out" },
      readyz: { url: "http://127.0.0.1:1/readyz", status: 503, body: "not yet\n", error: null },
    },
    kernel: { links: [], addrs: [], routes: [], neighs: [], fdb: [] },
  });
  const lines = renderText(r).split("\n");
  assertEquals(lines.slice(0, 9), [
    "status:      UNHEALTHY (2 problems)",
    `subnet file: ${PATH}`,
    "network:     none",
    "subnet:      10.244.1.0/24",
    "mtu:         unknown",
    "ip masq:     unknown",
    "healthz:     no answer (timed out) at http://127.0.0.1:1/healthz",
    "readyz:      503 not yet",
    "devices:     none",
  ]);
  assertEquals(lines.at(-2), 'warning:     Subnet file has no valid FLANNEL_MTU ("")');
});

Deno.test("renderJson() is the report, parseable, with every key present", () => {
  const r = healthy();
  const text = renderJson(r);
  assertEquals(JSON.parse(text), r);
  assertEquals(Object.keys(JSON.parse(text)), [
    "schema",
    "healthy",
    "problems",
    "warnings",
    "subnetEnv",
    "health",
    "kernel",
  ]);
  assertEquals(text.endsWith("}\n"), true);
});
