import {
  assert,
  assertEquals,
  assertNotEquals,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "../../harness/assert.ts";
import { loadNetworkConfig } from "../../../mod/config/net_conf.ts";
import { FakeClock } from "../../harness/fake_clock.ts";
import { MemoryStore } from "../../harness/memory_store.ts";
import { LEND_MAX_MS, PolicySubnetManager, RACE_RETRIES } from "../../../mod/subnet/policy.ts";
import { OutOfSubnetsError } from "../../../mod/subnet/manager.ts";
import { LeaseConflictError, StoreUnavailableError } from "../../../mod/subnet/store.ts";
import { ConfigError } from "../../../mod/errors.ts";
import { createLogger } from "../../../mod/log.ts";
import { parseCIDR, parseIP } from "../../../mod/ip/mod.ts";
import type { LeaseAttrs, LeaseWatchResult } from "../../../mod/lease/types.ts";

// pkg/subnet/etcd/subnet_test.go: the config and the five existing leases of 1.1.1.1.
const CONFIG = '{ "Network": "10.3.0.0/16", "SubnetMin": "10.3.1.0", "SubnetMax": "10.3.25.0" }';
const EXISTING = ["10.3.1.0-24", "10.3.2.0-24", "10.3.4.0-24", "10.3.5.0-24", "10.3.31.0-24"];
const attrs = (ip: string): LeaseAttrs => ({
  publicIP: parseIP(ip),
  publicIPv6: null,
  backendType: "vxlan",
});

function setup(config = CONFIG) {
  const clock = new FakeClock();
  const store = new MemoryStore({ config, clock });
  for (const k of EXISTING) store.putRaw(k, '{"PublicIP":"1.1.1.1","PublicIPv6":null}', 86400);
  const lines: string[] = [];
  const log = createLogger({ write: (l) => lines.push(l.slice(l.indexOf("] ") + 2, -1)) });
  const manager = (previous?: string, seed = 0.5) =>
    new PolicySubnetManager({
      store,
      clock,
      log,
      random: () => seed,
      ...(previous ? { previous: { subnet: parseCIDR(previous), ipv6Subnet: null } } : {}),
    });
  return { clock, store, lines, manager };
}

const signal = new AbortController().signal;

Deno.test("acquireLease() follows subnet_test.go TestAcquireLease", async (t) => {
  const { store, manager, lines } = setup();
  const sm = manager();
  const config = await sm.getNetworkConfig();
  let first = "";
  await t.step("a new lease for 1.2.3.4 is in range and free", async () => {
    const l = await sm.acquireLease(config, attrs("1.2.3.4"), signal);
    first = String(l.subnet);
    assert(parseCIDR("10.3.0.0/16").contains(l.subnet!));
    assert(!EXISTING.includes(first.replace("/", "-")), first);
    const n = l.subnet!.ip.value;
    assert(n >= parseIP("10.3.1.0").value && n <= parseIP("10.3.25.0").value);
    assertEquals(lines.slice(-2), [
      "Picking subnet in range 10.3.1.0 ... 10.3.25.0",
      `Allocated lease (ip: ${first} ipv6: ::/0) to current node (1.2.3.4)`,
    ]);
    assertEquals(l.expiration?.getTime(), store.ttlOf(first.replace("/", "-"))! * 1000 + 1_000_000);
  });
  await t.step("a second acquire reuses the same subnet", async () => {
    const l = await manager().acquireLease(config, attrs("1.2.3.4"), signal);
    assertEquals(String(l.subnet), first);
    assertEquals(
      lines.at(-1),
      `Found lease (ip: ${first} ipv6: ::/0) for current IP (1.2.3.4), reusing`,
    );
  });
  await t.step("the previous subnet 10.3.6.0/24 from subnet.env is reused", async () => {
    const sm6 = manager("10.3.6.0/24");
    assertEquals(sm6.name, "Local Manager (memory) with Previous Subnet: 10.3.6.0/24");
    const l = await sm6.acquireLease(config, attrs("1.2.3.5"), signal);
    assertEquals(String(l.subnet), "10.3.6.0/24");
    assertEquals(lines.at(-2), "Found previously leased subnet (10.3.6.0/24), reusing");
  });
  await t.step("a previous subnet outside the network (10.4.1.0/24) is not reused", async () => {
    const l = await manager("10.4.1.0/24").acquireLease(config, attrs("1.2.3.6"), signal);
    assert(parseCIDR("10.3.0.0/16").contains(l.subnet!));
    assertStringIncludes(lines.join("\n"), "(10.4.1.0/24) that is not compatible with the Etcd");
  });
  await t.step("a previous subnet someone else holds is not reused", async () => {
    const l = await manager("10.3.6.0/24").acquireLease(config, attrs("1.2.3.7"), signal);
    assertNotEquals(String(l.subnet), "10.3.6.0/24");
    assertStringIncludes(lines.join("\n"), "(10.3.6.0/24) that is already leased, ignoring");
  });
});

Deno.test("acquireLease() after a config change replaces our lease (TestConfigChanged)", async () => {
  const { store, manager, lines } = setup();
  const sm = manager();
  const old = await sm.acquireLease(await sm.getNetworkConfig(), attrs("1.2.3.4"), signal);
  store.config = '{ "Network": "10.4.0.0/16" }';
  const l = await sm.acquireLease(await sm.getNetworkConfig(), attrs("1.2.3.4"), signal);
  assert(parseCIDR("10.4.0.0/16").contains(l.subnet!), String(l.subnet));
  assertEquals(store.readRaw(String(old.subnet).replace("/", "-")), null);
  assertStringIncludes(lines.join("\n"), "but not compatible with current config, deleting");
});

Deno.test("acquireLease() retries a create conflict with a fresh list (upstream exits)", async () => {
  const { store, manager, lines } = setup();
  let raced = 0;
  store.beforeCreate = (s) => {
    if (raced++ === 0) store.putRaw(String(s.subnet).replace("/", "-"), '{"PublicIP":"9.9.9.9"}');
  };
  const sm = manager(undefined, 0);
  const l = await sm.acquireLease(await sm.getNetworkConfig(), attrs("1.2.3.4"), signal);
  assertEquals([String(l.subnet), raced], ["10.3.6.0/24", 2]);
  assertEquals(store.calls.filter((c) => c === "list").length, 2);
  assertStringIncludes(lines.join("\n"), 'Subnet "10.3.3.0-24" is already leased, retrying');
});

Deno.test("acquireLease() gives up after RACE_RETRIES conflicts", async () => {
  const { store, manager } = setup();
  let n = 0;
  store.beforeCreate = (s) => {
    n++;
    store.putRaw(String(s.subnet).replace("/", "-"), '{"PublicIP":"9.9.9.9"}');
  };
  const sm = manager();
  await assertRejects(
    () => sm.getNetworkConfig().then((c) => sm.acquireLease(c, attrs("1.2.3.4"), signal)),
    LeaseConflictError,
  );
  assertEquals(n, RACE_RETRIES);
});

Deno.test("acquireLease() keeps a reservation a reservation (upstream makes it a 24 h lease)", async () => {
  const { store, manager, lines } = setup();
  store.putRaw("10.3.20.0-24", '{"PublicIP":"1.2.3.4","PublicIPv6":null}', null);
  const sm = manager();
  const l = await sm.acquireLease(await sm.getNetworkConfig(), attrs("1.2.3.4"), signal);
  assertEquals([String(l.subnet), l.expiration], ["10.3.20.0/24", null]);
  assertEquals(store.ttlOf("10.3.20.0-24"), null);
  assertEquals(
    store.readRaw("10.3.20.0-24"),
    '{"PublicIP":"1.2.3.4","PublicIPv6":null,"BackendType":"vxlan"}',
  );
  assertEquals(
    lines.at(-1),
    "Found lease (ip: 10.3.20.0/24 ipv6: ::/0) for current IP (1.2.3.4), reusing",
  );
});

Deno.test("acquireLease() is not blocked by leases outside or as large as the Network", async () => {
  const { store, manager, lines } = setup();
  for (const k of ["10.3.0.0-16", "0.0.0.0-0", "10.0.0.0-8", "198.18.0.0-24"]) {
    store.putRaw(k, '{"PublicIP":"9.9.9.9"}', null);
  }
  let raced = 0; // one create conflict: the list is read twice, the lines are said once
  store.beforeCreate = (s) => {
    if (raced++ === 0) store.putRaw(String(s.subnet).replace("/", "-"), '{"PublicIP":"9.9.9.8"}');
  };
  const sm = manager(undefined, 0);
  const l = await sm.acquireLease(await sm.getNetworkConfig(), attrs("1.2.3.4"), signal);
  assertEquals(String(l.subnet), "10.3.6.0/24");
  const said = lines.filter((x) => x.includes("does not block allocation"));
  assertEquals(said.sort(), [
    'Lease "0.0.0.0/0" does not block allocation: subnet "0.0.0.0/0" is not inside Network "10.3.0.0/16"',
    'Lease "10.0.0.0/8" does not block allocation: subnet "10.0.0.0/8" is not inside Network "10.3.0.0/16"',
    'Lease "10.3.0.0/16" does not block allocation: subnet "10.3.0.0/16" covers the whole Network "10.3.0.0/16"',
    'Lease "198.18.0.0/24" does not block allocation: subnet "198.18.0.0/24" is not inside Network "10.3.0.0/16"',
  ]);
  assertEquals(store.readRaw("10.3.0.0-16"), '{"PublicIP":"9.9.9.9"}', "left alone");
});

Deno.test("acquireLease() does not reuse a previous subnet a /25 lease overlaps", async () => {
  const { store, manager } = setup();
  store.putRaw("10.3.9.128-25", '{"PublicIP":"9.9.9.9"}', 86400);
  const sm = manager("10.3.9.0/24", 0);
  const l = await sm.acquireLease(await sm.getNetworkConfig(), attrs("1.2.3.4"), signal);
  assertEquals(String(l.subnet), "10.3.3.0/24", "the /25 still counts as taken");
});

Deno.test("acquireLease() says out of subnets clearly", async () => {
  const { manager } = setup(
    '{ "Network": "10.3.0.0/16", "SubnetMin": "10.3.1.0", "SubnetMax": "10.3.2.0" }',
  );
  const sm = manager();
  await assertRejects(
    () => sm.getNetworkConfig().then((c) => sm.acquireLease(c, attrs("1.2.3.4"), signal)),
    OutOfSubnetsError,
    "out of subnets",
  );
});

Deno.test("acquireLease() waits out an unreachable store, one second at a time", async () => {
  const { store, manager, clock, lines } = setup();
  store.failNext("list", new StoreUnavailableError("etcd down"));
  store.failNext("list", new StoreUnavailableError("etcd down"));
  const sm = manager();
  const p = sm.acquireLease(await sm.getNetworkConfig(), attrs("1.2.3.4"), signal);
  for (let i = 0; i < 2; i++) {
    while (clock.sleeping === 0) await new Promise((r) => setTimeout(r, 0));
    await clock.tick(1000);
  }
  assert(parseCIDR("10.3.0.0/16").contains((await p).subnet!));
  assertEquals(lines.filter((l) => l === "failed to acquire lease: etcd down").length, 2);
  const stop = new AbortController();
  store.failNext("list", new StoreUnavailableError("etcd down"));
  const q = sm.acquireLease(await sm.getNetworkConfig(), attrs("1.2.3.4"), stop.signal);
  stop.abort();
  await assertRejects(() => q);
});

Deno.test("acquireLease() allocates dual-stack keys; IPv6-only needs kube", async () => {
  const { store, manager } = setup(
    '{ "Network": "10.3.0.0/16", "EnableIPv6": true, "IPv6Network": "fd00:3::/56" }',
  );
  const sm = manager(undefined, 0);
  const l = await sm.acquireLease(await sm.getNetworkConfig(), attrs("1.2.3.4"), signal);
  assertEquals([String(l.subnet), String(l.ipv6Subnet)], ["10.3.3.0/24", "fd00:3:0:1::/64"]);
  assertNotEquals(store.readRaw("10.3.3.0-24&fd00:3:0:1::-64"), null);
  store.config = '{ "EnableIPv4": false, "EnableIPv6": true, "IPv6Network": "fd00:3::/56" }';
  assertThrows(() => sm.checkConfig(loadNetworkConfig(store.config!)), ConfigError, "IPv6-only");
  await assertRejects(
    () => sm.getNetworkConfig().then((c) => sm.acquireLease(c, attrs("1.2.3.4"), signal)),
    ConfigError,
  );
});

Deno.test("watchLeases() starts with a snapshot, then events; garbage logged, not removed", async () => {
  const { store, manager, lines } = setup();
  store.putRaw("garbage", "x");
  const stop = new AbortController();
  const got: LeaseWatchResult[] = [];
  const done = (async () => {
    for await (const r of manager().watchLeases(stop.signal)) {
      got.push(r);
      if (got.length === 1) {
        store.putRaw("10.3.9.0-24", "not json");
        store.putRaw("10.3.8.0-24", '{"PublicIP":"2.2.2.2"}');
      } else stop.abort();
    }
  })();
  await done;
  const [first, second] = got;
  assertEquals(first?.kind === "snapshot" && first.leases.length, 5);
  assertEquals(second?.kind === "events" && second.events.map((e) => String(e.lease.subnet)), [
    "10.3.8.0/24",
  ]);
  assertStringIncludes(lines.join("\n"), 'Ignoring bad subnet node "garbage"');
  assertStringIncludes(lines.join("\n"), 'Ignoring bad subnet node "10.3.9.0-24"');
});

/** Opens a watch (as the agent does, pumping it at once) and collects its results. */
function openWatch(sm: PolicySubnetManager, stop: AbortController) {
  const got: LeaseWatchResult[] = [];
  let wake = () => {};
  const done = (async () => {
    for await (const r of sm.watchLeases(stop.signal)) {
      got.push(r);
      wake();
    }
  })();
  const next = async (n: number) => {
    while (got.length < n) await new Promise<void>((r) => (wake = r));
    return got[n - 1]!;
  };
  return { done, next };
}

Deno.test("a watch opened before acquireLease() lends it its list: one list for both", async () => {
  const { store, manager } = setup();
  const sm = manager(undefined, 0);
  const config = await sm.getNetworkConfig();
  const stop = new AbortController();
  const w = openWatch(sm, stop);
  const l = await sm.acquireLease(config, attrs("1.2.3.4"), signal);
  assertEquals(String(l.subnet), "10.3.3.0/24");
  assertEquals(store.calls.filter((c) => c === "list").length, 1);
  const first = await w.next(1);
  assertEquals(first.kind === "snapshot" && first.leases.map((x) => String(x.subnet)).sort(), [
    "10.3.1.0/24",
    "10.3.2.0/24",
    "10.3.31.0/24",
    "10.3.4.0/24",
    "10.3.5.0/24",
  ]);
  // The watch goes on from the list's revision: our own create is its first event.
  const second = await w.next(2);
  assertEquals(second.kind === "events" && second.events.map((e) => String(e.lease.subnet)), [
    "10.3.3.0/24",
  ]);
  stop.abort();
  await w.done;
  // Lent once: a later acquisition lists for itself.
  await sm.acquireLease(config, attrs("1.2.3.4"), signal);
  assertEquals(store.calls.filter((c) => c === "list").length, 2);
});

Deno.test("a lent list older than LEND_MAX_MS is not used; a failed one is retried", async (t) => {
  await t.step("stale", async () => {
    const { store, manager, clock } = setup();
    const sm = manager();
    const config = await sm.getNetworkConfig();
    const stop = new AbortController();
    const w = openWatch(sm, stop);
    await w.next(1);
    await clock.tick(LEND_MAX_MS + 1);
    await sm.acquireLease(config, attrs("1.2.3.4"), signal);
    assertEquals(store.calls.filter((c) => c === "list").length, 2);
    stop.abort();
    await w.done;
  });
  await t.step("failed", async () => {
    const { store, manager, clock, lines } = setup();
    const sm = manager();
    const config = await sm.getNetworkConfig();
    store.failNext("list", new StoreUnavailableError("etcd down"));
    const stop = new AbortController();
    const w = openWatch(sm, stop);
    const p = sm.acquireLease(config, attrs("1.2.3.4"), signal);
    while (clock.sleeping === 0) await new Promise((r) => setTimeout(r, 0));
    await clock.tick(1000);
    assert(parseCIDR("10.3.0.0/16").contains((await p).subnet!));
    assertEquals(lines.filter((l) => l === "failed to acquire lease: etcd down").length, 1);
    // The lent list (failed), then the acquisition's retry.
    assertEquals(store.calls.filter((c) => c === "list").length, 2);
    // The watch fell back to the store's own listing: still a snapshot first.
    const first = await w.next(1);
    assertEquals(first.kind, "snapshot");
    stop.abort();
    await w.done;
  });
});
