/**
 * The agent as a daemon, end to end with real processes: probes (`/readyz` 503 until the rules
 * are in and subnet.env is written, then 200; `/healthz` 200), SIGTERM/SIGINT (exit 0 within
 * 3 s, data plane and NAT untouched, pods keep talking), `--ip-blackhole-route`, systemd's
 * READY=1, and a lease revoked in etcd (clean exit 0).
 */
import { assert, assertEquals, assertMatch } from "../../harness/assert.ts";
import { eventually, type Host } from "../../../scripts/lab/cluster.ts";
import { isRoot, NOT_ROOT } from "../../../scripts/lab/netns.ts";
import { CONFIGS, withAgentCluster } from "../agent/setup.ts";
import {
  CONFIG_V4,
  dataPlane,
  HEALTHZ,
  joinAll,
  OUTSIDE,
  probe,
  ruleListing,
  startWhoami,
  whoami,
  withDaemonCluster,
} from "./helpers.ts";

if (!isRoot) console.warn(`daemon lifecycle tests ignored: ${NOT_ROOT}`);
const opts = { ignore: !isRoot, sanitizeOps: false, sanitizeResources: false };
const exists = (p: string) => Deno.stat(p).then(() => true, () => false);

Deno.test({
  ...opts,
  name: "probes: /readyz 503 while waiting for the config, 200 once rules and subnet.env are in",
  fn: () =>
    withDaemonCluster(1, null, async (d) => {
      const h = d.cluster.hosts[0]!;
      const a = h.startAgent([...d.flags, "--healthz-port", String(HEALTHZ), "--ip-masq"]);
      await a.waitFor(/Couldn't fetch network config/);
      assertEquals([await probe(h, "/healthz"), await probe(h, "/readyz")], [200, 503]);
      assertEquals(await probe(h, "/nope"), 404);
      assertMatch(
        a.lines().join("\n"),
        new RegExp(`Start healthz server on 0\\.0\\.0\\.0:${HEALTHZ}`),
      );
      await d.writeConfig(CONFIG_V4);
      // The first 200 must find the rules and the file already there.
      let seen = 0;
      for (let i = 0; i < 200 && seen !== 200; i++) {
        seen = await probe(h, "/readyz");
        if (seen !== 200) await new Promise((r) => setTimeout(r, 20));
      }
      assertEquals(seen, 200, a.log());
      assert(await exists(h.subnetFile), "subnet.env written before ready");
      assertEquals((await h.ns.exec("iptables", ["-t", "nat", "-S", "FLANNEL-POSTRTG"])).code, 0);
      assertEquals(await probe(h, "/healthz"), 200);
      assertEquals(await h.stopAgent(), 0);
      assertEquals(await probe(h, "/healthz"), 0, "server closed at exit");
    }),
});

Deno.test({
  ...opts,
  name: "SIGTERM: exit 0 within 3 s; routes, neighbours, FDB and NAT unchanged; pods keep talking",
  fn: () =>
    withDaemonCluster(2, CONFIG_V4, async (d) => {
      const [h1, h2] = d.cluster.hosts as [Host, Host];
      await joinAll(d, ["--ip-masq"]);
      const stop = await startWhoami(d.outside);
      try {
        assertEquals(await whoami(h1.pod, OUTSIDE.ip4), h1.ip4);
        await eventually(async () => (await dataPlane(h1)).some((l) => l.includes("proto 242")));
        const plane = await dataPlane(h1);
        const rules = await ruleListing(h1, "iptables");
        // One ping every 20 ms across the stop: none may be lost.
        const ping = h1.pod.exec("ping", ["-q", "-i", "0.02", "-c", "150", "-W", "1", h2.podIP!]);
        await new Promise((r) => setTimeout(r, 500));
        const t0 = performance.now();
        assertEquals(await h1.stopAgent("SIGTERM"), 0);
        const ms = performance.now() - t0;
        assert(ms < 3000, `exit took ${ms.toFixed(0)} ms`);
        const log = h1.agent!.lines().join("\n");
        assertMatch(log, /shutdownHandler sent cancel signal\.\.\.[\s\S]*Exiting cleanly\.\.\./);
        assertMatch((await ping).stdout, /150 packets transmitted, 150 received, 0% packet loss/);
        assertEquals(await dataPlane(h1), plane, "data plane left in place");
        assertEquals(
          await ruleListing(h1, "iptables"),
          rules,
          "NAT and forward rules left in place",
        );
        assertEquals(await whoami(h1.pod, OUTSIDE.ip4), h1.ip4, "egress still masqueraded");
        assertEquals(await whoami(h2.pod, OUTSIDE.ip4), h2.ip4);
        // SIGINT does the same on the other host.
        assertEquals(await h2.stopAgent("SIGINT"), 0);
        assertEquals(await whoami(h1.pod, OUTSIDE.ip4), h1.ip4);
      } finally {
        await stop();
      }
    }),
});

Deno.test({
  ...opts,
  name: "--ip-blackhole-route keeps `blackhole <subnet>` (restored after deletion), kept at exit",
  fn: () =>
    withDaemonCluster(2, CONFIG_V4, async (d) => {
      const [h1, h2] = d.cluster.hosts as [Host, Host];
      h1.startAgent([...d.flags, "--ip-blackhole-route", "--iptables-resync", "1"]);
      h2.startAgent(d.flags);
      const subnet = (await h1.waitSubnetEnv()).get("FLANNEL_SUBNET")!.replace(/\.1\//, ".0/");
      await h2.waitSubnetEnv();
      const blackholes = async (h: Host) =>
        (await h.ns.run("ip", ["route", "show", "type", "blackhole"])).trim();
      assert(await eventually(async () => (await blackholes(h1)) === `blackhole ${subnet}`, 4000));
      await h1.ns.ip("route", "del", "blackhole", subnet);
      assert(
        await eventually(async () => (await blackholes(h1)) === `blackhole ${subnet}`, 4000),
        "restored within a period",
      );
      await h1.agent!.waitFor(/Added blackhole route for /);
      assertEquals(await blackholes(h2), "", "not without the flag");
      assertEquals(await h1.stopAgent(), 0);
      assertEquals(await blackholes(h1), `blackhole ${subnet}`);
    }),
});

/** A unix datagram listener (python3) printing each message; stopped by the returned close. */
const LISTENER = `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("listening", flush=True)
s.settimeout(30)
while True:
    print(s.recv(4096).decode(), flush=True)
`;

Deno.test({
  ...opts,
  name: "NOTIFY_SOCKET: the agent sends READY=1 after the backend runs",
  fn: () =>
    withDaemonCluster(1, CONFIG_V4, async (d) => {
      const h = d.cluster.hosts[0]!;
      const socket = `${d.dir}/notify.sock`;
      const child = new Deno.Command("python3", {
        args: ["-c", LISTENER, socket],
        stdout: "piped",
        stderr: "null",
      }).spawn();
      const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      try {
        let out = "";
        while (!out.includes("listening\n")) out += (await reader.read()).value ?? "";
        const a = h.startAgent(d.flags, { NOTIFY_SOCKET: socket });
        while (!out.includes("READY=1")) {
          const { value, done } = await reader.read();
          if (done) break;
          out += value;
        }
        assertStringHas(out, "READY=1");
        await a.waitFor(/Running backend\./, 2000); // logged before onRunning sends READY=1
        assert(!a.lines().some((l) => l.includes("Failed to notify systemd")), a.log());
      } finally {
        child.kill();
        await reader.cancel().catch(() => {});
        await child.status;
      }
    }),
});

function assertStringHas(text: string, part: string): void {
  assert(text.includes(part), `${JSON.stringify(text)} lacks ${JSON.stringify(part)}`);
}

Deno.test({
  ...opts,
  name: "etcd: a lease deleted by someone else ends the agent cleanly (exit 0)",
  fn: () =>
    withAgentCluster(1, CONFIGS.vxlan, async (a) => {
      const h = a.cluster.hosts[0]!;
      const agent = h.startAgent(a.flags);
      const subnet = (await h.waitSubnetEnv()).get("FLANNEL_SUBNET")!.replace(/\.1\//, ".0/");
      await agent.waitFor(/Running backend\./);
      await a.etcd.etcdctl("del", `${a.prefix}/subnets/${subnet.replace("/", "-")}`);
      const t0 = performance.now();
      assertEquals(await agent.wait(), 0);
      assert(performance.now() - t0 < 5000);
      assertMatch(agent.lines().join("\n"), /Exiting cleanly\.\.\./);
    }),
});
