/**
 * main_agent.ts: `runAgentFace(options)` run for real in a child process (a driver imports it
 * and exits with its status), so its stderr and exit status are what an operator sees.
 *
 * Cases that reach a network config run inside a throwaway namespace (root only); the two
 * that end before any network work (health port taken, lease store unusable) run as any user.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "./harness/assert.ts";
import { isRoot, type Netns, NOT_ROOT, withNetns } from "../scripts/lab/netns.ts";

const ROOT = new URL("../", import.meta.url);
const DRIVER = `import { runAgentFace } from "${new URL("main_agent.ts", ROOT)}";
import { parseFlags } from "${new URL("mod/config/flags.ts", ROOT)}";
Deno.exit(await runAgentFace(parseFlags(Deno.args, {})));
`;

if (!isRoot) console.warn(`main_agent tests in a namespace ignored: ${NOT_ROOT}`);

function keptEnv(): Record<string, string> {
  const keep: Record<string, string> = { NO_COLOR: "1" };
  for (const k of ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME"]) {
    const v = Deno.env.get(k);
    if (v !== undefined) keep[k] = v;
  }
  return keep;
}

/** A temp dir holding the driver, a local store dir and `net-conf.json` (when given). */
async function withAgentDir(
  netConf: string | null,
  fn: (dir: string, flags: string[]) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "main-agent-" });
  try {
    await Deno.writeTextFile(`${dir}/driver.ts`, DRIVER);
    if (netConf !== null) await Deno.writeTextFile(`${dir}/net-conf.json`, netConf);
    await fn(dir, [
      "--store=local",
      `--local-store-dir=${dir}/leases`,
      `--local-network-config=${dir}/net-conf.json`,
      `--subnet-file=${dir}/subnet.env`,
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Starts the driver with `args`, inside `ns` when given. */
function spawnDriver(
  dir: string,
  args: string[],
  ns: Netns | null,
  env: Record<string, string> = {},
) {
  // The repository's config, so the driver (in a temp dir) resolves npm imports (client-node).
  const config = ["--config", new URL("deno.json", ROOT).pathname];
  const deno = [
    Deno.execPath(),
    "run",
    "-A",
    "--quiet",
    "--cached-only",
    ...config,
    `${dir}/driver.ts`,
  ];
  const [cmd, ...rest] = ns === null ? deno : ["ip", "netns", "exec", ns.name, ...deno];
  return new Deno.Command(cmd!, {
    args: [...rest, ...args],
    clearEnv: true,
    env: { ...keptEnv(), ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

async function runDriver(dir: string, args: string[], ns: Netns | null = null) {
  const out = await spawnDriver(dir, args, ns).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("runAgentFace(): a health port already taken → exit 1 before any network work", async () => {
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (busy.addr as Deno.NetAddr).port;
  try {
    await withAgentDir(null, async (dir, flags) => {
      const r = await runDriver(dir, [
        ...flags,
        "--healthz-ip=127.0.0.1",
        `--healthz-port=${port}`,
      ]);
      assertEquals(r.code, 1, r.stderr);
      assertStringIncludes(r.stderr, "CLI flags config: {");
      assertMatch(r.stderr, new RegExp(`^E.*127\\.0\\.0\\.1:${port}`, "m"));
      assert(!r.stderr.includes("Created subnet manager"), "stopped before the store");
      assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["driver.ts"]);
    });
  } finally {
    busy.close();
  }
});

Deno.test("runAgentFace(): a lease store that cannot be opened → exit 1 with the reason", async () => {
  await withAgentDir(null, async (dir, flags) => {
    await Deno.writeTextFile(`${dir}/leases`, "a file where the store directory should be");
    const r = await runDriver(dir, flags);
    assertEquals(r.code, 1, r.stderr);
    assertMatch(r.stderr, /^E.*Failed to create SubnetManager: .*leases/m);
    assert(!r.stderr.includes("Found network config"), r.stderr);
  });
});

Deno.test({
  name: "runAgentFace(): IPv6-only on the local store → exit 1 with the reason, no device left",
  ignore: !isRoot,
  fn: () =>
    withAgentDir(
      `{"EnableIPv4":false,"EnableIPv6":true,"IPv6Network":"fd00:10::/48"}`,
      (dir, flags) =>
        withNetns(1, async (ns) => {
          const r = await runDriver(dir, [...flags, "--iface=lo"], ns);
          assertEquals(r.code, 1, r.stderr);
          assertMatch(r.stderr, /^E.*IPv6-only networks need the Kubernetes subnet manager$/m);
          const links = await ns.ipJson<{ ifname: string }[]>("link", "show");
          assertEquals(links.map((l) => l.ifname), ["lo"], "no flannel-v6.1 made then left");
        }, "m6"),
    ),
});

Deno.test({
  name: "runAgentFace(): an unknown backend type → exit 1 with upstream's message, nothing made",
  ignore: !isRoot,
  fn: () =>
    withAgentDir(
      `{"Network":"10.244.0.0/16","Backend":{"Type":"GRE"}}`,
      (dir, flags) =>
        withNetns(1, async (ns) => {
          const r = await runDriver(dir, [...flags, "--iface=lo"], ns);
          assertEquals(r.code, 1, r.stderr);
          assertStringIncludes(r.stderr, "Found network config - Backend type: GRE");
          assertMatch(r.stderr, /^E.*Error registering network: unknown backend type: gre$/m);
          const links = await ns.ipJson<{ ifname: string }[]>("link", "show");
          assertEquals(links.map((l) => l.ifname), ["lo"]);
          assertEquals(await ns.ip("route", "show"), "");
          await Deno.stat(`${dir}/subnet.env`).then(
            () => assert(false, "subnet.env must not be written"),
            (e) => assert(e instanceof Deno.errors.NotFound),
          );
        }, "ma"),
    ),
});

Deno.test({
  name: "runAgentFace(): an invalid network config is logged and retried; SIGTERM → exit 0",
  ignore: !isRoot,
  fn: () =>
    withAgentDir(`{"EnableIPv4":false}`, (dir, flags) =>
      withNetns(1, async (ns) => {
        const child = spawnDriver(dir, [...flags, "--iface=lo"], ns);
        const dec = new TextDecoder();
        let text = "";
        const reading = (async () => {
          for await (const c of child.stderr) text += dec.decode(c, { stream: true });
        })();
        const count = () => text.split("\n").filter((l) => l.includes("none defined stack")).length;
        const deadline = Date.now() + 20_000;
        while (count() < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        child.kill("SIGTERM");
        const status = await child.status;
        await reading;
        await child.stdout.cancel();
        assert(count() >= 2, `retried at least once:\n${text}`);
        assertMatch(text, /^E.*Couldn't fetch network config: none defined stack/m);
        assertStringIncludes(text, "shutdownHandler sent cancel signal...");
        assertEquals(status.code, 0, text);
      }, "ma")),
});

Deno.test({
  name: "runAgentFace(): SIGTERM while the kube manager waits for the API server → exit 0",
  ignore: !isRoot,
  fn: () =>
    withAgentDir(`{"Network":"10.244.0.0/16"}`, (dir) =>
      withNetns(1, async (ns) => {
        const args = [
          "--kube-subnet-mgr",
          "--kube-api-url=http://127.0.0.1:9",
          `--net-config-path=${dir}/net-conf.json`,
          `--subnet-file=${dir}/subnet.env`,
          "--iface=lo",
        ];
        const child = spawnDriver(dir, args, ns, { NODE_NAME: "n1" });
        const dec = new TextDecoder();
        let text = "";
        const reading = (async () => {
          for await (const c of child.stderr) text += dec.decode(c, { stream: true });
        })();
        const deadline = Date.now() + 20_000;
        while (!text.includes("Node list failed") && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 50));
        }
        child.kill("SIGTERM");
        const status = await child.status;
        await reading;
        await child.stdout.cancel();
        assertMatch(text, /^W.*Node list failed: Cannot reach the Kubernetes API at http:\/\/127/m);
        assert(!text.includes("Failed to create SubnetManager"), text);
        assertStringIncludes(text, "Exiting cleanly...");
        assertEquals(status.code, 0, text);
      }, "mk")),
});
