import { Daemon, type DaemonDeps, type DaemonOptions } from "../../../mod/daemon/daemon.ts";
import { loadNetworkConfig } from "../../../mod/config/net_conf.ts";
import type { FirewallSetup } from "../../../mod/firewall/mod.ts";
import { startHealthServer } from "../../../mod/http/health.ts";
import { parseCIDR } from "../../../mod/ip/mod.ts";
import { createLogger } from "../../../mod/log.ts";
import { assert, assertEquals, assertRejects } from "../../harness/assert.ts";
import { FakeClock } from "../../harness/fake_clock.ts";

const OPTS: DaemonOptions = {
  subnetFile: "/nonexistent/subnet.env",
  ipMasq: true,
  ipMasqRandomFullyDisable: false,
  iptablesForwardRules: true,
  iptablesResyncSeconds: 5,
  blackholeRoute: false,
  healthzIP: "127.0.0.1",
  healthzPort: 0,
};
const CONFIG = loadNetworkConfig('{"Network":"10.244.0.0/16"}');
const STATE = { config: CONFIG, lease: { subnet: parseCIDR("10.244.7.0/24"), ipv6Subnet: null } };

function world(o: Partial<DaemonOptions> = {}) {
  const lines: string[] = [];
  const setups: FirewallSetup[] = [];
  const notified: number[] = [];
  let notifyError: Error | null = null;
  const deps: DaemonDeps = {
    options: { ...OPTS, ...o },
    firewall: () => ({
      setup: (s) => Promise.resolve(void setups.push(s)),
      startResync: (_p, signal) =>
        new Promise((r) => signal.addEventListener("abort", () => r(), { once: true })),
    }),
    readPrevious: () => Promise.resolve(new Map()),
    blackholePort: { blackholes: () => Promise.resolve([]), add: () => Promise.resolve() },
    clock: new FakeClock(),
    logger: createLogger({ write: (l) => lines.push(l.split("] ")[1]!.trimEnd()) }),
    checkPrerequisites: (c) => {
      if (!c.enableNFTables) throw new Error("Failed to check br_netfilter: missing");
    },
    startHealthServer,
    notifyReady: () => {
      notified.push(1);
      return notifyError ? Promise.reject(notifyError) : Promise.resolve(true);
    },
  };
  return {
    deps,
    lines,
    setups,
    notified,
    failNotify: (e: Error) => void (notifyError = e),
  };
}

async function status(port: number, path: string): Promise<number> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`);
  await r.body?.cancel();
  return r.status;
}

Deno.test("Daemon: /readyz is 503 until onReady (after the rules), 200 after; /healthz 200 throughout", async () => {
  const w = world({ healthzPort: 1 }); // any port > 0 enables it; the server binds port 0 below
  const d = await Daemon.start({
    ...w.deps,
    startHealthServer: (opts) => startHealthServer({ ...opts, port: 0 }),
  });
  const port = d.healthPort!;
  const ctl = new AbortController();
  try {
    const h = d.hooks();
    assertEquals([await status(port, "/healthz"), await status(port, "/readyz")], [200, 503]);
    await h.beforeReady(STATE, ctl.signal);
    assertEquals(w.setups.length, 1, "rules installed by beforeReady");
    assertEquals(await status(port, "/readyz"), 503, "rules alone are not ready: subnet.env next");
    h.onReady(STATE);
    assert(d.ready);
    assertEquals([await status(port, "/readyz"), await status(port, "/healthz")], [200, 200]);
    assertEquals(await status(port, "/metrics"), 404);
  } finally {
    ctl.abort();
    await d.close();
  }
});

Deno.test("Daemon: no health server with --healthz-port 0", async () => {
  const d = await Daemon.start(world().deps);
  assertEquals(d.healthPort, null);
  await d.close();
});

Deno.test("Daemon: a health server that cannot listen rejects start", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = (l.addr as Deno.NetAddr).port;
    await assertRejects(() => Daemon.start(world({ healthzPort: port }).deps), Error, "healthz");
  } finally {
    l.close();
  }
});

Deno.test("Daemon: onRunning notifies systemd; a failure is logged, not thrown", async () => {
  const w = world();
  const d = await Daemon.start(w.deps);
  d.hooks().onRunning(STATE);
  w.failNotify(new Error("no socket"));
  d.hooks().onRunning(STATE);
  await d.close();
  assertEquals(w.notified.length, 2);
  assertEquals(w.lines, ["Failed to notify systemd the daemon is ready: no socket"]);
});

Deno.test("Daemon: checkPrerequisites passes the network config to the check", async () => {
  const d = await Daemon.start(world().deps);
  let threw = false;
  try {
    d.checkPrerequisites(CONFIG);
  } catch {
    threw = true;
  }
  assert(threw, "iptables mode: the (fake) br_netfilter check ran");
  d.checkPrerequisites(loadNetworkConfig('{"Network":"10.244.0.0/16","EnableNFTables":true}'));
  await d.close();
});

Deno.test("Daemon: close() waits for the loops started by beforeReady to end with the signal", async () => {
  const w = world();
  const d = await Daemon.start(w.deps);
  const ctl = new AbortController();
  await d.hooks().beforeReady(STATE, ctl.signal);
  let closed = false;
  const closing = d.close().then(() => (closed = true));
  await new Promise((r) => setTimeout(r, 10));
  assert(!closed, "the resync loop still runs");
  ctl.abort();
  await closing;
  assert(closed);
});
