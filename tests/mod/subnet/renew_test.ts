import { assert, assertEquals, assertRejects } from "../../harness/assert.ts";
import { FakeClock } from "../../harness/fake_clock.ts";
import { MemoryStore } from "../../harness/memory_store.ts";
import { RENEW_RETRY_MS, renewLease } from "../../../mod/subnet/renew.ts";
import { LeaseRevokedError } from "../../../mod/subnet/manager.ts";
import {
  CHECK_CONFIRM_MS,
  LeaseContestedError,
  LeaseTakenError,
  OWN_LEASE_CHECK_MS,
  RECREATE_RETRY_MS,
  REWRITE_LIMIT,
  REWRITE_WINDOW_MS,
  RewriteLimiter,
} from "../../../mod/subnet/own_lease.ts";
import { StoreUnavailableError, SUBNET_TTL_SECONDS } from "../../../mod/subnet/store.ts";
import { createLogger } from "../../../mod/log.ts";
import { parseCIDR, parseIP } from "../../../mod/ip/mod.ts";
import type { Lease } from "../../../mod/lease/types.ts";

const H = 3_600_000;
const MARGIN = 60 * 60_000;
const KEY = "10.3.7.0-24";

async function setup(ttl: number | null = SUBNET_TTL_SECONDS) {
  const clock = new FakeClock();
  const store = new MemoryStore({ clock });
  const attrs = { publicIP: parseIP("1.2.3.4"), publicIPv6: null, backendType: "vxlan" };
  const subnets = { subnet: parseCIDR("10.3.7.0/24"), ipv6Subnet: null };
  const lease: Lease = await store.createLease(subnets, attrs, ttl);
  const lines: string[] = [];
  const log = createLogger({ write: (l) => lines.push(l.slice(l.indexOf("] ") + 2, -1)) });
  const stop = new AbortController();
  const done = renewLease(lease, { store, clock, log, marginMs: MARGIN }, stop.signal);
  done.catch(() => {}); // observed by each test
  // Parked: the renewal timer and the store's own-lease watch (expiry timer) are sleeping.
  const parked = () => until(() => clock.sleeping >= 2);
  return { clock, store, lines, stop, done, parked, t0: clock.now() };
}

/** Lets the loops run until `cond` holds (bounded, so a bug fails instead of hanging). */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setTimeout(r, 0));
  assert(cond(), "condition never held");
}

Deno.test("renewLease() renews at expiration − margin and retries a minute after a failure", async () => {
  const { clock, store, lines, stop, done, parked, t0 } = await setup();
  await parked();
  assertEquals(lines, ["Waiting for 23h0m0s to renew lease"]);
  assertEquals(store.calls.filter((c) => c === "update").length, 0);
  await clock.tick(23 * H);
  await parked();
  assertEquals(store.calls.filter((c) => c === "update").length, 1);
  assert(lines.includes(`Lease renewed, new expiration: ${new Date(t0 + 47 * H).toISOString()}`));
  assertEquals(store.ttlOf(KEY), 24 * 3600);

  store.failNext("update", new StoreUnavailableError("etcd down"));
  await clock.tick(23 * H);
  await parked();
  assertEquals(lines.at(-1), "Error renewing lease (trying again in 1 min): etcd down");
  await clock.tick(RENEW_RETRY_MS);
  await parked();
  assertEquals(store.calls.filter((c) => c === "update").length, 3);
  assertEquals(store.ttlOf(KEY), 24 * 3600);
  stop.abort();
  await done;
});

Deno.test("renewLease() follows someone else's write of our lease", async () => {
  const { store, lines, stop, done, parked } = await setup();
  await parked();
  store.putRaw(KEY, '{"PublicIP":"1.2.3.4","PublicIPv6":null,"BackendType":"vxlan"}', 2 * 3600);
  await until(() => lines.length === 2);
  assertEquals(lines.at(-1), "Waiting for 1h0m0s to renew lease");
  stop.abort();
  await done;
});

Deno.test("renewLease() rejects with LeaseRevokedError when our lease is deleted", async () => {
  const { store, lines, done, parked } = await setup();
  await parked();
  store.deleteRaw(KEY);
  await assertRejects(
    () => done,
    LeaseRevokedError,
    "Lease has been revoked. Shutting down daemon.",
  );
  assert(!lines.join("").includes("revoked"), "logged once, by the agent");
});

Deno.test("renewLease() notices a lease already gone when it starts", async () => {
  const clock = new FakeClock();
  const store = new MemoryStore({ clock });
  const lease = lease0();
  const opts = { store, clock, log: createLogger({ write: () => {} }), marginMs: MARGIN };
  await assertRejects(
    () => renewLease(lease, opts, new AbortController().signal),
    LeaseRevokedError,
  );
});

function lease0(): Lease {
  return {
    subnet: parseCIDR("10.3.7.0/24"),
    ipv6Subnet: null,
    attrs: { publicIP: null, publicIPv6: null, backendType: "" },
    expiration: new Date(0),
  };
}

Deno.test("renewLease() never renews a reservation, yet sees it revoked", async () => {
  const { clock, store, done } = await setup(null);
  await clock.tick(0);
  assertEquals(clock.sleeping, 0); // no renewal timer, no expiry timer
  await clock.tick(48 * H);
  assertEquals(store.calls.filter((c) => c === "update").length, 0);
  assertEquals(store.ttlOf(KEY), null);
  store.deleteRaw(KEY);
  await assertRejects(() => done, LeaseRevokedError);
});

Deno.test("renewLease() watches again when a store watch fails, and still sees a revocation", async () => {
  const clock = new FakeClock();
  const store = new MemoryStore({ clock });
  const subnets = { subnet: parseCIDR("10.3.7.0/24"), ipv6Subnet: null };
  const lease = await store.createLease(subnets, lease0().attrs, SUBNET_TTL_SECONDS);
  let opened = 0;
  const flaky = Object.assign(Object.create(store), {
    watchLeases(rev: number, signal: AbortSignal, o: object) {
      if (opened++ > 0) return store.watchLeases(rev, signal, o);
      return (async function* () {
        yield* [];
        throw new Error("stream reset");
      })();
    },
  });
  const lines: string[] = [];
  const log = createLogger({ write: (l) => lines.push(l.slice(l.indexOf("] ") + 2, -1)) });
  const done = renewLease(
    lease,
    { store: flaky, clock, log, marginMs: MARGIN },
    new AbortController().signal,
  );
  done.catch(() => {});
  await until(() => lines.length > 0);
  assertEquals(lines[0], "Watch of our lease failed (stream reset), watching again");
  await clock.tick(1000);
  await until(() => opened === 2);
  store.deleteRaw(KEY);
  await assertRejects(() => done, LeaseRevokedError);
});

const OURS = '{"PublicIP":"1.2.3.4","PublicIPv6":null,"BackendType":"vxlan"}';
const FOREIGN = '{"PublicIP":"198.18.0.14","PublicIPv6":null,"BackendType":"vxlan"}';

/** {@linkcode setup} whose store logs into the same lines (the store's data-loss warning). */
async function setupLogged() {
  const clock = new FakeClock();
  const lines: string[] = [];
  const log = createLogger({ write: (l) => lines.push(l.slice(l.indexOf("] ") + 2, -1)) });
  const store = new MemoryStore({ clock, log });
  const attrs = { publicIP: parseIP("1.2.3.4"), publicIPv6: null, backendType: "vxlan" };
  const subnets = { subnet: parseCIDR("10.3.7.0/24"), ipv6Subnet: null };
  const lease = await store.createLease(subnets, attrs, SUBNET_TTL_SECONDS);
  const stop = new AbortController();
  const done = renewLease(lease, { store, clock, log, marginMs: MARGIN }, stop.signal);
  done.catch(() => {});
  await until(() => clock.sleeping >= 2);
  return { clock, store, lines, stop, done };
}

const creates = (s: MemoryStore) => s.calls.filter((c) => c === "create").length;

Deno.test("renewLease() re-creates our lease when the store lost its data: same key and value", async () => {
  const { store, lines, stop, done } = await setupLogged();
  assertEquals(creates(store), 1);
  store.wipe();
  await until(() => store.readRaw(KEY) !== null);
  assertEquals(store.readRaw(KEY), OURS);
  assertEquals(store.ttlOf(KEY), SUBNET_TTL_SECONDS);
  assertEquals(creates(store), 2, "a compare-and-swap create, not a put");
  assert(lines.includes('Re-created our lease "10.3.7.0/24" (same subnet and attributes)'));
  stop.abort();
  await done;
});

Deno.test("renewLease() exits with LeaseTakenError naming who took our subnet after a loss", async () => {
  const { store, lines, done } = await setupLogged();
  store.beforeCreate = () => store.putRaw(KEY, FOREIGN, 3600); // a new node got there first
  store.wipe();
  await assertRejects(
    () => done,
    LeaseTakenError,
    'Subnet "10.3.7.0/24" was taken by PublicIP "198.18.0.14" after the store lost its data',
  );
  assertEquals(store.readRaw(KEY), FOREIGN, "theirs is left alone");
  assert(!lines.some((l) => l.startsWith("Re-created")));
});

Deno.test("renewLease() retries a re-create that fails, every 5 s", async () => {
  const { clock, store, lines, stop, done } = await setupLogged();
  store.failNext("create", new StoreUnavailableError("etcd down"));
  store.wipe();
  await until(() => lines.some((l) => l.startsWith("Cannot re-create our lease")));
  assertEquals(
    lines.find((l) => l.startsWith("Cannot re-create")),
    "Cannot re-create our lease (trying again in 5s): etcd down",
  );
  assertEquals(store.readRaw(KEY), null);
  await clock.tick(RECREATE_RETRY_MS);
  await until(() => store.readRaw(KEY) === OURS);
  stop.abort();
  await done;
});

Deno.test("renewLease() writes our lease back when someone rewrites it with other attributes", async () => {
  const { store, lines, stop, done } = await setupLogged();
  store.putRaw(KEY, FOREIGN, 3600);
  await until(() => store.readRaw(KEY) === OURS);
  assertEquals(store.ttlOf(KEY), SUBNET_TTL_SECONDS);
  assert(
    lines.includes(
      'Our lease "10.3.7.0/24" was rewritten by someone else (PublicIP "198.18.0.14"): writing ours back',
    ),
    lines.join("\n"),
  );
  // Our own writes (same attributes) are followed, not fought.
  const updates = store.calls.filter((c) => c === "update").length;
  store.putRaw(KEY, OURS, 2 * 3600);
  await until(() => lines.at(-1) === "Waiting for 1h0m0s to renew lease");
  assertEquals(store.calls.filter((c) => c === "update").length, updates);
  stop.abort();
  await done;
});

Deno.test("renewLease() gives up with LeaseContestedError past 5 rewrites in 10 minutes", async () => {
  const { clock, store, done } = await setupLogged();
  let failed: unknown = null;
  done.catch((err) => (failed = err));
  for (let i = 1; i <= REWRITE_LIMIT; i++) {
    store.putRaw(KEY, FOREIGN, 3600);
    await until(() => store.readRaw(KEY) === OURS);
    await clock.tick(60_000);
  }
  assertEquals(failed, null);
  store.putRaw(KEY, FOREIGN, 3600);
  await assertRejects(() => done, LeaseContestedError, 'last by PublicIP "198.18.0.14"');
  assertEquals(store.readRaw(KEY), FOREIGN);
});

Deno.test("RewriteLimiter allows 5 rewrites within 10 minutes, a 6th only after the window", () => {
  const r = new RewriteLimiter();
  for (let i = 0; i < REWRITE_LIMIT; i++) assert(r.note(i * 1000));
  assert(!r.note(5000));
  const later = new RewriteLimiter();
  for (let i = 0; i < REWRITE_LIMIT; i++) assert(later.note(i * 1000));
  assert(later.note(REWRITE_WINDOW_MS + 1)); // the first has left the window
});

Deno.test("renewLease() notices a lease lost without any watch event and re-creates it", async () => {
  const { clock, store, lines, stop, done } = await setupLogged();
  store.loseRaw(KEY); // no change in the history: no watch sees it
  await clock.tick(OWN_LEASE_CHECK_MS);
  await until(() => clock.sleeping >= 2);
  assertEquals(store.readRaw(KEY), null, "missing once is not enough");
  await clock.tick(CHECK_CONFIRM_MS);
  await until(() => store.readRaw(KEY) === OURS);
  assert(
    lines.includes(
      'Our lease "10.3.7.0/24" is missing from the store, yet no deletion of it was seen: ' +
        "the store lost its data; re-creating our lease and resyncing",
    ),
    lines.join("\n"),
  );
  stop.abort();
  await done;
});

Deno.test("renewLease() still treats a deletion seen on the watch as a revocation", async () => {
  const { clock, store, done } = await setupLogged();
  store.deleteRaw(KEY);
  await clock.tick(OWN_LEASE_CHECK_MS);
  await assertRejects(() => done, LeaseRevokedError);
  assertEquals(store.readRaw(KEY), null);
});
