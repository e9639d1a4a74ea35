import { assert, assertEquals, assertStringIncludes } from "../../harness/assert.ts";
import { buildReport, type ProbeFacts, type StatusFacts } from "../../../mod/status/report.ts";
import { link, vxlanNode } from "./dump.ts";

const PATH = "/run/flannel/subnet.env";
const ENV_TEXT = "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\n" +
  "FLANNEL_IPV6_NETWORK=fd00:10::/48\nFLANNEL_IPV6_SUBNET=fd00:10:0:1::1/64\n" +
  "FLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n";

const ok = (path: string, body: string): ProbeFacts => ({
  url: `http://127.0.0.1:8081${path}`,
  status: 200,
  body,
  error: null,
});

/** A healthy vxlan node; `over` replaces parts. */
function facts(over: Partial<StatusFacts> = {}): StatusFacts {
  return {
    subnetFile: { path: PATH, text: ENV_TEXT, readError: null },
    health: {
      healthz: ok("/healthz", "flanneld is running"),
      readyz: ok("/readyz", "flanneld is ready"),
    },
    kernel: vxlanNode(),
    ...over,
  };
}

Deno.test("buildReport() of a healthy vxlan node", () => {
  const r = buildReport(facts());
  assertEquals([r.schema, r.healthy, r.problems, r.warnings], [1, true, [], [
    'Device "flannel-v6.1" has MTU 1430 but subnet.env says 1450',
  ]]);
  assertEquals(r.subnetEnv, {
    path: PATH,
    state: "ok",
    networks: ["10.244.0.0/16", "fd00:10::/48"],
    subnets: ["10.244.1.0/24", "fd00:10:0:1::/64"],
    mtu: 1450,
    ipMasq: true,
  });
  assertEquals(r.health.probed, true);
  assertEquals(r.health.readyz?.body, "flanneld is ready");
  assertEquals([r.kernel.error, r.kernel.routes, r.kernel.neighbours, r.kernel.fdb], [
    null,
    2,
    2,
    2,
  ]);
});

Deno.test("buildReport() says what is wrong with subnet.env", async (t) => {
  const cases: [Partial<StatusFacts["subnetFile"]>, string, string][] = [
    [{ text: null }, "missing", `Subnet file "${PATH}" does not exist`],
    [{ text: null, readError: "Permission denied" }, "unreadable", "Permission denied"],
    [{ text: "FLANNEL_NETWORK 10.0.0.0/8\n" }, "invalid", `Subnet file "${PATH}" is not valid`],
    [
      { text: "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_MTU=1450\n" },
      "invalid",
      "has no FLANNEL_SUBNET",
    ],
    [
      { text: "FLANNEL_SUBNET=10.244.1.1/24,banana\n" },
      "invalid",
      'invalid IPv4 CIDR "banana"',
    ],
  ];
  for (const [file, state, problem] of cases) {
    await t.step(state + " " + problem, () => {
      const r = buildReport(
        facts({ subnetFile: { path: PATH, text: null, readError: null, ...file } }),
      );
      assertEquals([r.healthy, r.subnetEnv.state], [false, state]);
      assert(r.problems.some((p) => p.includes(problem)), r.problems.join("\n"));
    });
  }
});

Deno.test("buildReport() warns about a missing FLANNEL_MTU and unknown IPMASQ", () => {
  const r = buildReport(facts({
    subnetFile: { path: PATH, text: "FLANNEL_SUBNET=10.244.1.1/24\n", readError: null },
  }));
  assertEquals([r.healthy, r.subnetEnv.mtu, r.subnetEnv.ipMasq], [true, null, null]);
  assertStringIncludes(r.warnings.join("\n"), "no valid FLANNEL_MTU");
});

Deno.test("buildReport() makes a failing probe a problem", async (t) => {
  const refused: ProbeFacts = {
    url: "http://127.0.0.1:8081/readyz",
    status: null,
    body: "",
    error: "connection refused",
  };
  const notReady: ProbeFacts = {
    ...refused,
    status: 503,
    body: "flanneld is not ready yet",
    error: null,
  };
  const cases: [ProbeFacts, string][] = [
    [refused, "/readyz did not answer at http://127.0.0.1:8081/readyz: connection refused"],
    [notReady, "/readyz answered 503 (flanneld is not ready yet)"],
  ];
  for (const [readyz, problem] of cases) {
    await t.step(problem, () => {
      const r = buildReport(
        facts({ health: { healthz: ok("/healthz", "flanneld is running"), readyz } }),
      );
      assertEquals([r.healthy, r.problems], [false, [problem]]);
    });
  }
  const r = buildReport(
    facts({
      health: {
        healthz: { ...notReady, url: "x/healthz", status: 404, body: "" },
        readyz: notReady,
      },
    }),
  );
  assertEquals(r.problems[0], "/healthz answered 404");
});

Deno.test("buildReport() without a health server needs a device or route", () => {
  const probed = buildReport(facts({ health: null }));
  assertEquals([probed.healthy, probed.health], [true, {
    probed: false,
    healthz: null,
    readyz: null,
  }]);
  const bare = buildReport(facts({
    health: null,
    kernel: { links: [link(1, "lo")], addrs: [], routes: [], neighs: [], fdb: [] },
  }));
  assertEquals([bare.healthy, bare.problems], [false, [
    "No flannel device or route in this network namespace",
  ]]);
});

Deno.test("buildReport() makes a down device and an unreadable kernel problems", () => {
  const dump = vxlanNode();
  dump.links = dump.links.map((l) => (l.name === "flannel.1" ? { ...l, flags: 0 } : l));
  assertEquals(buildReport(facts({ kernel: dump })).problems, ['Device "flannel.1" is down']);
  const r = buildReport(facts({ kernel: { error: "Operation not permitted" } }));
  assertEquals(r.problems, ["Cannot read the kernel state: Operation not permitted"]);
  assertEquals(r.kernel, {
    error: "Operation not permitted",
    devices: [],
    routes: 0,
    routesProto242: 0,
    neighbours: 0,
    fdb: 0,
  });
});
