import { assert, assertEquals, assertStringIncludes } from "../../harness/assert.ts";
import { FakeKernel } from "../../harness/fake_kernel.ts";
import { FakeManager } from "../../harness/fake_manager.ts";
import { flannel1Link } from "../../harness/vxlan_fixtures.ts";
import { lease } from "../../harness/leases.ts";
import { lookupBackend } from "../../../backends/mod.ts";
import { type AgentDeps, type AgentState, runAgent } from "../../../mod/agent/agent.ts";
import type { IfaceFacts } from "../../../mod/agent/iface.ts";
import type { Clock } from "../../../mod/clock.ts";
import { parseCIDR, parseIP } from "../../../mod/ip/mod.ts";
import { createLogger } from "../../../mod/log.ts";
import { RTPROT_FLANNEL, RTPROT_KERNEL } from "../../../mod/reconcile/diff.ts";
import { StoreUnavailableError } from "../../../mod/subnet/store.ts";
import { ConfigError } from "../../../mod/errors.ts";
import { FakeClock } from "../../harness/fake_clock.ts";

const VXLAN = `{"Network":"10.244.0.0/16","Backend":{"Type":"vxlan"}}`;

const facts: IfaceFacts = {
  links: [{ index: 2, name: "eth0", mtu: 1500 }],
  addrs: [{
    index: 2,
    ip: parseIP("198.18.0.1"),
    prefixLen: 24,
    scope: "global",
    permanent: true,
    deprecated: false,
    temporary: false,
  }],
  defaultRoute: { 4: 2, 6: null },
  canReach: null,
};

/** A clock whose sleeps end on the next macrotask: retries run at once. */
function instantClock(): Clock {
  let now = 0;
  return {
    now: () => now,
    sleep: (ms, signal) =>
      new Promise((r) => {
        if (signal?.aborted) return r();
        const t = setTimeout(() => {
          now += ms;
          signal?.removeEventListener("abort", done);
          r();
        }, 0);
        const done = () => {
          clearTimeout(t);
          r();
        };
        signal?.addEventListener("abort", done, { once: true });
      }),
  };
}

function peer(i: number, type = "vxlan") {
  return lease({
    subnet: `10.244.${i}.0/24`,
    publicIP: `198.18.0.${i}`,
    backendType: type,
    backendData: { VNI: 1, VtepMAC: `aa:00:00:00:00:0${i}` },
  });
}

function setup(config = VXLAN) {
  const kernel = new FakeKernel();
  const manager = new FakeManager(config);
  const lines: string[] = [];
  const written: string[] = [];
  const events: string[] = [];
  const deps: AgentDeps = {
    options: {
      subnetFile: "/run/flannel/subnet.env",
      ipMasq: false,
      reconcileIntervalSeconds: 10,
      iface: [],
      ifaceRegex: [],
      ifaceCanReach: null,
      publicIP: null,
      publicIPv6: null,
    },
    manager,
    backendFor: (c) => {
      const f = lookupBackend(c.backendType);
      return f.create(f.parseConfig(c.backend), {
        devices: kernel,
        randomBytes: (n) => new Uint8Array(n).fill(7),
      });
    },
    kernel,
    readFacts: () => Promise.resolve(facts),
    writeSubnetEnv: (s: AgentState) => {
      written.push(`${s.lease.subnet} mtu ${s.prepared.mtu}`);
      events.push("subnet.env");
      return Promise.resolve();
    },
    clock: instantClock(),
    logger: createLogger({ write: (l) => lines.push(l), nowMicros: () => 0, pid: 1 }),
    beforeReady: () => {
      events.push("firewall");
      return Promise.resolve();
    },
    onReady: () => events.push("ready"),
  };
  return { kernel, manager, lines, written, events, deps };
}

async function until(cond: () => boolean, what: string) {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 1));
  assert(cond(), `timed out waiting for ${what}`);
}

Deno.test("runAgent() joins: device, lease, firewall, subnet.env, entries for every peer", async () => {
  const { kernel, manager, lines, written, events, deps } = setup();
  manager.leases = [peer(2), peer(3)];
  const ctl = new AbortController();
  const run = runAgent(deps, ctl.signal);
  await until(() => kernel.entries.size === 6, "6 entries");
  assertEquals(events, ["firewall", "subnet.env", "ready"]);
  assertEquals(written, ["10.244.1.0/24 mtu 1450"]);
  assertEquals(kernel.links.get("flannel.1")?.up, true);
  assertEquals(kernel.addrs.get("flannel.1")!.map((a) => `${a.ip}/${a.prefixLen}`), [
    "10.244.1.0/32",
  ]);
  assertEquals(kernel.keys(), [
    "fdb flannel.1 aa:00:00:00:00:02",
    "fdb flannel.1 aa:00:00:00:00:03",
    "neigh flannel.1 10.244.2.0",
    "neigh flannel.1 10.244.3.0",
    "route 10.244.2.0/24",
    "route 10.244.3.0/24",
  ]);
  manager.push([{ type: "added", lease: peer(4) }, { type: "removed", lease: peer(2) }]);
  await until(
    () => kernel.entries.has("route 10.244.4.0/24") && !kernel.entries.has("route 10.244.2.0/24"),
    "event",
  );
  assertEquals(kernel.entries.size, 6);
  ctl.abort();
  assertEquals(await run, 0);
  assertEquals(kernel.entries.size, 6, "the data plane stays after a stop");
  for (
    const want of [
      "Created subnet manager: Fake Manager",
      "Found network config - Backend type: vxlan",
      "Using interface with name eth0 and address 198.18.0.1",
      "Wrote subnet file to /run/flannel/subnet.env",
      "flannel is ready",
      "Exiting cleanly...",
    ]
  ) {
    assert(lines.some((l) => l.includes(want)), `missing log line "${want}"`);
  }
});

Deno.test("runAgent() prunes entries of leases that vanished while it was down", async () => {
  const { kernel, manager, deps } = setup();
  kernel.links.set("flannel.1", flannel1Link({ index: 9 }));
  kernel.put({
    kind: "route",
    dst: peer(7).subnet!,
    gateway: parseIP("10.244.7.0"),
    dev: "flannel.1",
    onlink: true,
  });
  kernel.put({
    kind: "neigh",
    dev: "flannel.1",
    ip: parseIP("10.244.7.0"),
    mac: "aa:00:00:00:00:07",
  });
  kernel.put({
    kind: "route",
    dst: peer(8).subnet!,
    gateway: parseIP("198.18.0.8"),
    dev: "eth0",
    onlink: false,
  }, { protocol: 3 }); // not ours: stays
  manager.leases = [peer(2)];
  const ctl = new AbortController();
  const run = runAgent(deps, ctl.signal);
  await until(() => kernel.entries.size === 4, "pruned + installed");
  assertEquals(kernel.keys(), [
    "fdb flannel.1 aa:00:00:00:00:02",
    "neigh flannel.1 10.244.2.0",
    "route 10.244.2.0/24",
    "route 10.244.8.0/24",
  ]);
  assertEquals(kernel.links.get("flannel.1")!.mac, "0e:00:00:00:00:01", "VTEP MAC kept");
  assertEquals(kernel.entries.get("route 10.244.2.0/24")!.protocol, RTPROT_FLANNEL);
  ctl.abort();
  assertEquals(await run, 0);
});

Deno.test("runAgent() keeps retrying a missing or bad config and recovers", async () => {
  const { kernel, manager, lines, deps } = setup(`{"Network":"10.244.0.0/16","SubnetLen":31}`);
  manager.configErrors = [new StoreUnavailableError("etcd unreachable")];
  const ctl = new AbortController();
  const run = runAgent(deps, ctl.signal);
  await until(
    () => lines.filter((l) => l.includes("Couldn't fetch network config")).length >= 3,
    "retries",
  );
  assert(
    lines.some((l) =>
      l.includes("Couldn't fetch network config: etcd unreachable (retrying in 1s)")
    ),
  );
  assert(
    lines.some((l) => l.includes("Couldn't fetch network config: SubnetLen must be less than /31")),
  );
  manager.config = VXLAN; // the operator fixes it
  await until(() => kernel.links.has("flannel.1"), "device after the fix");
  ctl.abort();
  assertEquals(await run, 0);
});

Deno.test("runAgent() exits 1 with upstream's line for an unknown backend type", async () => {
  const { lines, deps } = setup(`{"Network":"10.244.0.0/16","Backend":{"Type":"bogus"}}`);
  assertEquals(await runAgent(deps, new AbortController().signal), 1);
  assertStringIncludes(lines.join(""), "unknown backend type: bogus");
});

Deno.test("runAgent() exits 1 before it creates anything for a config its manager refuses", async () => {
  const { kernel, manager, lines, written, deps } = setup();
  manager.refuseConfig = new ConfigError("IPv6-only networks need the Kubernetes subnet manager");
  assertEquals(await runAgent(deps, new AbortController().signal), 1);
  assertStringIncludes(lines.join(""), "IPv6-only networks need the Kubernetes subnet manager");
  assertEquals([kernel.links.size, kernel.calls.length, written.length], [0, 0, 0]);
});

Deno.test("runAgent() exits 1 for bad backend options or no usable interface", async () => {
  const bad = setup(`{"Network":"10.244.0.0/16","Backend":{"Type":"vxlan","VNI":"x"}}`);
  assertEquals(await runAgent(bad.deps, new AbortController().signal), 1);
  assertStringIncludes(bad.lines.join(""), '"VNI" must be a non-negative integer');
  const noIface = setup();
  noIface.deps.options = { ...noIface.deps.options, iface: ["eth7"] };
  assertEquals(await runAgent(noIface.deps, new AbortController().signal), 1);
  assertStringIncludes(noIface.lines.join(""), "Failed to find interface to use");
});

Deno.test("runAgent() exits 0 when the lease is revoked", async () => {
  const { kernel, manager, lines, deps } = setup();
  const run = runAgent(deps, new AbortController().signal);
  await until(
    () => kernel.links.has("flannel.1") && lines.some((l) => l.includes("Running backend")),
    "ready",
  );
  manager.revoke();
  assertEquals(await run, 0);
  assertStringIncludes(lines.join(""), "Lease has been revoked. Shutting down daemon.");
});

Deno.test("runAgent() ignores leases of another backend type and garbage VTEP data", async () => {
  const { kernel, manager, lines, deps } = setup();
  const garbage = lease({ subnet: "10.244.5.0/24", publicIP: "198.18.0.5", backendData: "???" });
  manager.leases = [peer(2), peer(3, "host-gw"), garbage];
  const ctl = new AbortController();
  const run = runAgent(deps, ctl.signal);
  await until(() => lines.some((l) => l.includes("Initial sync")), "initial sync");
  assertEquals(kernel.entries.size, 3);
  assertStringIncludes(lines.join(""), "Ignoring non-vxlan subnet: type=host-gw");
  assertStringIncludes(
    lines.join(""),
    'Ignoring lease "10.244.5.0/24": BackendData "???" is not a JSON object',
  );
  ctl.abort();
  assertEquals(await run, 0);
});

Deno.test("runAgent() never programs hostile leases and says each once", async () => {
  const { kernel, manager, lines, deps } = setup();
  const underlay = {
    kind: "route" as const,
    dst: parseCIDR("198.18.0.0/24"),
    gateway: null,
    dev: "eth0",
    onlink: false,
  };
  kernel.put(underlay, { protocol: RTPROT_KERNEL });
  const hostile = ["198.18.0.0/24", "10.0.0.0/8", "0.0.0.0/0", "10.244.0.0/16"].map((subnet) =>
    lease({ subnet, publicIP: "198.18.0.99", backendData: { VtepMAC: "aa:00:00:00:00:99" } })
  );
  const bcast = lease({
    subnet: "10.244.5.0/24",
    publicIP: "198.18.0.5",
    backendData: { VtepMAC: "ff:ff:ff:ff:ff:ff" },
  });
  manager.leases = [peer(2), ...hostile, bcast];
  const ctl = new AbortController();
  const run = runAgent(deps, ctl.signal);
  await until(() => lines.some((l) => l.includes("Initial sync")), "initial sync");
  // Renewals re-send the same values; the instant clock runs many full passes meanwhile.
  manager.push([...hostile, bcast].map((l) => ({ type: "added" as const, lease: l })));
  await new Promise((r) => setTimeout(r, 20));
  const ignored = () => lines.filter((l) => l.includes("Ignoring lease"));
  assertEquals(ignored().length, 5, ignored().join("\n"));
  assertEquals(kernel.entries.get("route 198.18.0.0/24")?.entry, underlay, "underlay intact");
  assertEquals(kernel.entries.get("route 198.18.0.0/24")?.protocol, RTPROT_KERNEL);
  assertEquals(kernel.keys().filter((k) => k.startsWith("route")), [
    "route 10.244.2.0/24",
    "route 198.18.0.0/24",
  ]);
  // A valid update of a skipped lease is programmed; a lease that turns bad loses its entries.
  const fixed = {
    ...bcast,
    attrs: { ...bcast.attrs, backendData: { VtepMAC: "aa:00:00:00:00:05" } },
  };
  const broken = { ...peer(2), attrs: { ...peer(2).attrs, backendData: { VNI: "x" } } };
  manager.push([{ type: "added", lease: fixed }, { type: "added", lease: broken }]);
  await until(
    () => kernel.entries.has("route 10.244.5.0/24") && !kernel.entries.has("route 10.244.2.0/24"),
    "fixed and broken",
  );
  assertEquals(kernel.keys().filter((k) => k.includes("10.244.2.0")), []);
  assertStringIncludes(ignored().at(-1)!, 'Ignoring lease "10.244.2.0/24": BackendData: VNI "x"');
  ctl.abort();
  assertEquals(await run, 0);
});

Deno.test("runAgent() exits 1 when the manager refuses the lease for good", async () => {
  const { manager, lines, deps } = setup();
  manager.acquireLease = () =>
    Promise.reject(new Error("IPv6-only networks need the Kubernetes subnet manager"));
  assertEquals(await runAgent(deps, new AbortController().signal), 1);
  assertStringIncludes(lines.join(""), "IPv6-only networks need the Kubernetes subnet manager");
});

Deno.test("runAgent(): a failed subnet.env write is retried with backoff until written, then ready; the backend runs meanwhile", async () => {
  const { kernel, manager, lines, events, deps } = setup();
  manager.leases = [peer(2)];
  const clock = new FakeClock();
  let failures = 3;
  const attempts: number[] = [];
  const d: AgentDeps = {
    ...deps,
    clock,
    writeSubnetEnv: () => {
      attempts.push(clock.now());
      if (failures-- > 0) return Promise.reject(new Error('Permission denied: "/run/flannel"'));
      events.push("subnet.env");
      return Promise.resolve();
    },
  };
  const ctl = new AbortController();
  const run = runAgent(d, ctl.signal);
  await until(() => kernel.entries.size === 3, "the peer's entries while subnet.env fails");
  assert(lines.some((l) => l.includes("Running backend.")), "the backend runs");
  assertEquals(events, ["firewall"], "not ready yet");
  for (let i = 0; i < 7 && !events.includes("ready"); i++) await clock.tick(1000);
  assertEquals(events, ["firewall", "subnet.env", "ready"]);
  assertEquals(attempts.map((t) => t - attempts[0]!), [0, 1000, 3000, 7000], "1 s, 2 s, 4 s");
  const failed = lines.filter((l) => l.includes("Failed to write subnet file"));
  assertEquals(failed.length, 1, "the same error is said once a minute at most");
  assertStringIncludes(failed[0]!, 'Permission denied: "/run/flannel" (retrying in 1s)');
  assert(lines.some((l) => l.includes("Wrote subnet file to /run/flannel/subnet.env")));
  ctl.abort();
  assertEquals(await run, 0);
});

Deno.test("runAgent(): a stop while subnet.env is retried ends the run with 0", async () => {
  const { deps, lines } = setup();
  const clock = new FakeClock();
  const d: AgentDeps = {
    ...deps,
    clock,
    writeSubnetEnv: () => Promise.reject(new Error("Read-only file system")),
  };
  const ctl = new AbortController();
  const run = runAgent(d, ctl.signal);
  await until(() => lines.some((l) => l.includes("Running backend.")), "running");
  await clock.tick(1000);
  ctl.abort();
  assertEquals(await run, 0);
  assert(!lines.some((l) => l.includes("flannel is ready")));
});
