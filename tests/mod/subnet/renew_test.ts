import { assert, assertEquals, assertRejects } from "../../harness/assert.ts";
import { FakeClock } from "../../harness/fake_clock.ts";
import { MemoryStore } from "../../harness/memory_store.ts";
import { RENEW_RETRY_MS, renewLease } from "../../../mod/subnet/renew.ts";
import { LeaseRevokedError } from "../../../mod/subnet/manager.ts";
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
