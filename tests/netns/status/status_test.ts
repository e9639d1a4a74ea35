/**
 * `flanneld status` end to end: two real vxlan agents sharing a local store in throwaway
 * namespaces; `main.ts status` run inside host 1's namespace reads the real subnet.env,
 * health server and kernel, then sees the agent gone once it is stopped.
 */
import { assert, assertEquals, assertMatch } from "../../harness/assert.ts";
import { eventually, type Host, REPO_ROOT, withCluster } from "../../../scripts/lab/cluster.ts";
import { isRoot, NOT_ROOT } from "../../../scripts/lab/netns.ts";
import { parseCIDR } from "../../../mod/ip/mod.ts";
import type { StatusReport } from "../../../mod/status/report.ts";

if (!isRoot) console.warn(`status tests ignored: ${NOT_ROOT}`);

const HEALTHZ = "10258";
const CONFIG = '{"Network":"10.244.0.0/16","Backend":{"Type":"vxlan"}}';
const HOST_GW = '{"Network":"10.244.0.0/16","Backend":{"Type":"host-gw"}}';

/** Flags of agents sharing a local store in `dir` with `config`. */
async function localStore(dir: string, config: string): Promise<string[]> {
  await Deno.writeTextFile(`${dir}/net-conf.json`, config);
  return [
    "--store=local",
    `--local-store-dir=${dir}/leases`,
    `--local-network-config=${dir}/net-conf.json`,
  ];
}

/** `main.ts status <args>` inside `h`'s namespace (health server on {@linkcode HEALTHZ}). */
async function status(h: Host, ...args: string[]) {
  const flags = ["--subnet-file", h.subnetFile, "--healthz-port", HEALTHZ, ...args];
  return await h.ns.exec(Deno.execPath(), [
    "run",
    "-A",
    "--cached-only",
    `${REPO_ROOT}main.ts`,
    "status",
    ...flags,
  ]);
}

async function jsonStatus(
  h: Host,
  ...args: string[]
): Promise<{ code: number; report: StatusReport }> {
  const r = await status(h, "--json", ...args);
  try {
    return { code: r.code, report: JSON.parse(r.stdout) as StatusReport };
  } catch (err) {
    throw new Error(`status --json printed no JSON (exit ${r.code}): ${r.stdout}${r.stderr}`, {
      cause: err,
    });
  }
}

Deno.test({
  name: "status: a vxlan node with a peer is healthy; stopping the agent makes it unhealthy",
  ignore: !isRoot,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "status-leases-" });
    try {
      const flags = [...await localStore(dir, CONFIG), "--healthz-port", HEALTHZ];
      await withCluster({ hosts: 2, prefix: "st" }, async (c) => {
        const [h1, h2] = c.hosts as [Host, Host];
        for (const h of c.hosts) h.startAgent(flags);
        const env1 = await h1.waitSubnetEnv();
        const env2 = await h2.waitSubnetEnv();
        const subnet1 = parseCIDR(env1.get("FLANNEL_SUBNET")!).toString();
        let last: { code: number; report: StatusReport } | null = null;
        const peerSeen = async () => {
          last = await jsonStatus(h1);
          return last.code === 0 && last.report.kernel.fdb >= 1 &&
            last.report.kernel.routes >= 1 && last.report.kernel.neighbours >= 1;
        };
        assert(await eventually(peerSeen, 20_000), `not healthy: ${JSON.stringify(last)}`);
        const r = last!.report;
        assertEquals([r.healthy, r.problems], [true, []]);
        assertEquals(r.subnetEnv.state, "ok");
        assertEquals(r.subnetEnv.subnets, [subnet1]);
        assertEquals(r.subnetEnv.networks, ["10.244.0.0/16"]);
        assertEquals(r.subnetEnv.mtu, Number(env1.get("FLANNEL_MTU")));
        assertEquals([r.health.healthz?.status, r.health.readyz?.status], [200, 200]);
        assertEquals(r.health.readyz?.body, "flanneld is ready");
        const dev = r.kernel.devices.find((d) => d.name === "flannel.1");
        assert(dev !== undefined, JSON.stringify(r.kernel.devices));
        const link = (await h1.ns.ipJson("link", "show", "flannel.1"))[0]!;
        assertEquals(
          [dev.up, dev.mtu, dev.vni, dev.local, dev.port, dev.mac],
          [true, 1450, 1, h1.ip4, 8472, link.address],
        );
        assertEquals(r.subnetEnv.mtu, dev.mtu);
        assertEquals([dev.routes, dev.neighbours, dev.fdb], [1, 1, 1], "one peer: host 2");
        assertEquals(r.kernel.routesProto242, 1);
        assert(env2.get("FLANNEL_SUBNET") !== env1.get("FLANNEL_SUBNET"));

        const text = await status(h1);
        assertEquals(text.code, 0, text.stdout + text.stderr);
        assertMatch(text.stdout, /^status: +healthy$/m);
        assertMatch(text.stdout, new RegExp(`^subnet: +${subnet1.replaceAll(".", "\\.")}$`, "m"));
        assertMatch(text.stdout, /^readyz: +200 flanneld is ready$/m);
        assertMatch(
          text.stdout,
          /^flannel\.1: +up, mtu 1450, vni 1, .*routes 1, neighbours 1, fdb 1$/m,
        );

        assertEquals(await h1.stopAgent(), 0);
        const after = await jsonStatus(h1);
        assertEquals(after.code, 1);
        assertEquals(after.report.healthy, false);
        assertEquals(after.report.health.readyz?.status, null);
        assert(
          after.report.problems.some((p) => p.startsWith("/readyz did not answer")),
          after.report.problems.join("\n"),
        );
        assertEquals(after.report.subnetEnv.subnets, [subnet1], "subnet.env stays");
        const bad = await status(h1, "--healthz-port", "nope");
        assertEquals(bad.code, 2, bad.stderr);
        assertMatch(bad.stderr, /Invalid value "nope" for flag -healthz-port/);
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "status: host-gw without a health server is judged by its protocol-242 routes",
  ignore: !isRoot,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "status-leases-" });
    try {
      const flags = await localStore(dir, HOST_GW);
      await withCluster({ hosts: 2, prefix: "st" }, async (c) => {
        const [h1, h2] = c.hosts as [Host, Host];
        for (const h of c.hosts) h.startAgent(flags);
        await h1.waitSubnetEnv();
        const peer = parseCIDR((await h2.waitSubnetEnv()).get("FLANNEL_SUBNET")!).toString();
        let last: { code: number; report: StatusReport } | null = null;
        const routed = async () => {
          last = await jsonStatus(h1, "--healthz-port=0");
          return last.code === 0 && last.report.kernel.routesProto242 === 1;
        };
        assert(await eventually(routed, 20_000), `not healthy: ${JSON.stringify(last)}`);
        const r = last!.report;
        assertEquals([r.health, r.kernel.devices, r.kernel.routes], [
          { probed: false, healthz: null, readyz: null },
          [],
          1,
        ]);
        const routes = await h1.ns.ipJson("route", "show", "proto", "242");
        assertEquals(routes.map((x) => x.dst), [peer]);
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
