import { assert, assertEquals, assertMatch, assertStringIncludes } from "../../harness/assert.ts";
import { startHealthServer } from "../../../mod/http/health.ts";
import type { KernelDump } from "../../../mod/status/kernel.ts";
import type { ProbeFacts } from "../../../mod/status/report.ts";
import { fetchProbe, probeBase, runStatus, type StatusWorld } from "../../../mod/status/run.ts";
import { vxlanNode } from "./dump.ts";

const ENV_TEXT = "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\n" +
  "FLANNEL_MTU=1450\nFLANNEL_IPMASQ=false\n";

/** A fake world: files by path, probe answers by path, and a kernel dump; records probes. */
function world(
  files: Record<string, string>,
  answers: Record<string, number | null>,
  kernel: KernelDump | Error = vxlanNode(),
) {
  const probed: string[] = [];
  const w: StatusWorld = {
    readText: (path) => Promise.resolve(files[path] ?? null),
    probe: (url, timeoutMs): Promise<ProbeFacts> => {
      probed.push(`${url} ${timeoutMs}`);
      const status = answers[new URL(url).pathname] ?? null;
      return Promise.resolve({
        url,
        status,
        body: status === 200 ? "fine" : "",
        error: status === null ? "connection refused" : null,
      });
    },
    kernel: () => kernel instanceof Error ? Promise.reject(kernel) : Promise.resolve(kernel),
  };
  return { w, probed };
}

function io() {
  const out = { stdout: "", stderr: "" };
  return {
    out,
    io: {
      stdout: (t: string) => void (out.stdout += t),
      stderr: (t: string) => void (out.stderr += t),
    },
  };
}

const FILES = { "/run/flannel/subnet.env": ENV_TEXT };
const READY = { "/healthz": 200, "/readyz": 200 };

Deno.test("runStatus() exits 0 for a ready agent and probes where the agent listens", async () => {
  const { w, probed } = world(FILES, READY);
  const o = io();
  const code = await runStatus(["--healthz-port", "8081"], {}, o.io, w);
  assertEquals([code, o.out.stderr], [0, ""]);
  assertEquals(probed, ["http://127.0.0.1:8081/healthz 1000", "http://127.0.0.1:8081/readyz 1000"]);
  assertMatch(o.out.stdout, /^status: +healthy$/m);
  assertMatch(o.out.stdout, /^subnet: +10\.244\.1\.0\/24$/m);
});

Deno.test("runStatus() reads the agent's FLANNELD_* variables and prints JSON", async () => {
  const { w, probed } = world({ "/e/subnet.env": ENV_TEXT }, { "/healthz": 200, "/readyz": 503 });
  const o = io();
  const env = {
    FLANNELD_SUBNET_FILE: "/e/subnet.env",
    FLANNELD_HEALTHZ_IP: "::",
    FLANNELD_HEALTHZ_PORT: "10256",
  };
  const code = await runStatus(["-o", "json", "--timeout=300"], env, o.io, w);
  assertEquals(code, 1);
  assertEquals(probed, ["http://[::1]:10256/healthz 300", "http://[::1]:10256/readyz 300"]);
  const r = JSON.parse(o.out.stdout);
  assertEquals([r.healthy, r.problems, r.subnetEnv.path, r.subnetEnv.ipMasq], [
    false,
    ["/readyz answered 503"],
    "/e/subnet.env",
    false,
  ]);
});

Deno.test("runStatus() with --healthz-port 0 probes nothing and relies on the kernel", async () => {
  const { w, probed } = world(FILES, READY);
  const o = io();
  assertEquals(await runStatus([], {}, o.io, w), 0);
  assertEquals(probed, []);
  assertMatch(o.out.stdout, /^health: +not probed \(--healthz-port 0\)$/m);
  const empty = world(FILES, READY, { links: [], addrs: [], routes: [], neighs: [], fdb: [] });
  assertEquals(await runStatus([], {}, io().io, empty.w), 1);
});

Deno.test("runStatus() reports a kernel read failure instead of crashing", async () => {
  const { w } = world(FILES, READY, new Error("Cannot open netlink socket"));
  const o = io();
  assertEquals(await runStatus(["--json", "--healthz-port=1"], {}, o.io, w), 1);
  assertEquals(JSON.parse(o.out.stdout).kernel.error, "Cannot open netlink socket");
});

Deno.test("runStatus() reports an unreadable subnet file", async () => {
  const { w } = world(FILES, READY);
  w.readText = () => Promise.reject(new Error("Is a directory"));
  const o = io();
  assertEquals(await runStatus([], {}, o.io, w), 1);
  assertStringIncludes(o.out.stdout, "/run/flannel/subnet.env (unreadable)");
  assertStringIncludes(o.out.stdout, "Is a directory");
});

Deno.test("runStatus() exits 2 on a bad flag and 0 on --help, with nothing gathered", async () => {
  const { w, probed } = world(FILES, READY);
  w.kernel = () => Promise.reject(new Error("must not be called"));
  const bad = io();
  assertEquals(await runStatus(["--healthz-port", "x"], {}, bad.io, w), 2);
  assertEquals(bad.out.stdout, "");
  assertEquals(
    bad.out.stderr,
    'flanneld status: Invalid value "x" for flag -healthz-port: not an integer\n' +
      'Run "flanneld status --help" for the list of flags\n',
  );
  const help = io();
  assertEquals(await runStatus(["--help"], {}, help.io, w), 0);
  assert(help.out.stdout.startsWith("Usage: flanneld status [OPTION]...\n"));
  assertEquals([probed, help.out.stderr], [[], ""]);
});

Deno.test("probeBase() probes a wildcard listen address on the loopback", async (t) => {
  for (
    const [ip, want] of [
      ["0.0.0.0", "http://127.0.0.1:8081"],
      ["", "http://127.0.0.1:8081"],
      ["::", "http://[::1]:8081"],
      ["10.0.0.5", "http://10.0.0.5:8081"],
      ["fd00::5", "http://[fd00::5]:8081"],
    ]
  ) await t.step(ip || "(empty)", () => assertEquals(probeBase(ip!, 8081), want));
});

Deno.test("fetchProbe() reads the agent's health server: status and body", async () => {
  let ready = false;
  const srv = await startHealthServer({ ip: "127.0.0.1", port: 0, isReady: () => ready });
  try {
    const base = probeBase("127.0.0.1", srv.port);
    assertEquals(await fetchProbe(`${base}/readyz`, 1000), {
      url: `${base}/readyz`,
      status: 503,
      body: "flanneld is not ready yet",
      error: null,
    });
    ready = true;
    assertEquals((await fetchProbe(`${base}/readyz`, 1000)).status, 200);
  } finally {
    await srv.close();
  }
});

Deno.test("fetchProbe() says when nothing listens or nothing answers in time", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = l.addr.port;
  const accepted: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const c of l) accepted.push(c); // never answers
  })();
  try {
    const slow = await fetchProbe(`http://127.0.0.1:${port}/readyz`, 150);
    assertEquals([slow.status, slow.error], [null, "timed out after 150 ms"]);
  } finally {
    l.close();
    await accepting.catch(() => {});
    for (const c of accepted) c.close();
  }
  const refused = await fetchProbe(`http://127.0.0.1:${port}/readyz`, 1000);
  assertEquals([refused.status, refused.error], [null, "connection refused"]);
});
