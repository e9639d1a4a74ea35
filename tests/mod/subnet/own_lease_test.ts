import { assert, assertEquals, assertRejects } from "../../harness/assert.ts";
import { FakeClock } from "../../harness/fake_clock.ts";
import { MemoryStore } from "../../harness/memory_store.ts";
import {
  CHECK_CONFIRM_MS,
  LeaseContestedError,
  LeaseTakenError,
  OWN_LEASE_CHECK_MS,
  OwnLease,
  publicIPOf,
  RECREATE_RETRY_MS,
  REWRITE_LIMIT,
  showSubnets,
} from "../../../mod/subnet/own_lease.ts";
import { createLogger } from "../../../mod/log.ts";
import { parseCIDR, parseIP } from "../../../mod/ip/mod.ts";
import type { Lease, LeaseAttrs } from "../../../mod/lease/types.ts";

const SUBNETS = { subnet: parseCIDR("10.3.7.0/24"), ipv6Subnet: null };
const OURS: LeaseAttrs = { publicIP: parseIP("1.2.3.4"), publicIPv6: null, backendType: "vxlan" };
const THEIRS: LeaseAttrs = { ...OURS, publicIP: parseIP("9.9.9.9") };

/** OwnLease over a memory store, recording what it asks of the renewal loop. */
async function setup(ttl: number | null = 86_400) {
  const clock = new FakeClock();
  const lines: string[] = [];
  const log = createLogger({ write: (l) => lines.push(l.slice(l.indexOf("] ") + 2, -1)) });
  const store = new MemoryStore({ clock, log });
  const lease = await store.createLease(SUBNETS, OURS, ttl);
  const calls = { renew: 0, follow: [] as Lease[], retryAt: [] as number[] };
  const own = new OwnLease({
    store,
    clock,
    log,
    lease,
    ttl,
    renew: () => {
      calls.renew++;
      return Promise.resolve();
    },
    follow: (l) => {
      calls.follow.push(l);
      return Promise.resolve();
    },
    retryAt: (at) => void calls.retryAt.push(at),
  });
  return { clock, store, lines, lease, own, calls };
}

Deno.test("a write of our own attributes is followed, nothing logged", async () => {
  const { own, lease, calls, lines } = await setup();
  await own.onPut(lease, false);
  assertEquals(calls.follow.length, 1);
  assertEquals(calls.renew, 0);
  assertEquals(lines, []);
});

Deno.test("our lease rewritten with another PublicIP: a warning naming it, ours written back", async () => {
  const { own, lease, calls, lines } = await setup();
  await own.onPut({ ...lease, attrs: THEIRS }, false);
  assertEquals(calls.renew, 1);
  assertEquals(lines, [
    'Our lease "10.3.7.0/24" was rewritten by someone else (PublicIP "9.9.9.9"): writing ours back',
  ]);
});

Deno.test("more than REWRITE_LIMIT rewrites within the window give up with LeaseContestedError", async () => {
  const { own, lease } = await setup();
  for (let i = 0; i < REWRITE_LIMIT; i++) await own.onPut({ ...lease, attrs: THEIRS }, false);
  const err = await assertRejects(
    () => own.onPut({ ...lease, attrs: THEIRS }, false),
    LeaseContestedError,
  );
  assert(err.message.includes('last by PublicIP "9.9.9.9"'), err.message);
});

Deno.test("another holder seen in a reset snapshot is LeaseTakenError", async () => {
  const { own, lease } = await setup();
  await assertRejects(() => own.onPut({ ...lease, attrs: THEIRS }, true), LeaseTakenError);
});

Deno.test("recreate after the store lost its data writes the same subnet and attributes", async () => {
  const { own, store, calls, lines } = await setup();
  store.wipe();
  await own.recreate();
  const back = await store.getLease(SUBNETS);
  assert(back !== null);
  assertEquals(publicIPOf(back.attrs), "1.2.3.4");
  assertEquals(own.missing, false);
  assertEquals(calls.follow.length, 1);
  assert(lines.some((l) => l.startsWith('Re-created our lease "10.3.7.0/24"')), lines.join("\n"));
});

Deno.test("recreate finding another host in our subnet is LeaseTakenError", async () => {
  const { own, store } = await setup();
  store.wipe();
  await store.createLease(SUBNETS, THEIRS, 86_400);
  await assertRejects(() => own.recreate(), LeaseTakenError);
});

Deno.test("recreate failing on the store is retried RECREATE_RETRY_MS later, said once", async () => {
  const { own, store, clock, calls, lines } = await setup();
  store.wipe();
  store.failNext("create", new Error("etcd down"));
  await own.recreate();
  assertEquals(own.missing, true);
  assertEquals(calls.retryAt, [clock.now() + RECREATE_RETRY_MS]);
  assertEquals(lines, ["Cannot re-create our lease (trying again in 5s): etcd down"]);
});

Deno.test("check: missing once is confirmed 5 s later; missing twice reports the data loss", async () => {
  const { own, store, clock, lines } = await setup();
  assertEquals(own.checkAt, clock.now() + OWN_LEASE_CHECK_MS);
  store.loseRaw("10.3.7.0-24"); // gone without a trace: no watch sees it go
  assertEquals(await store.getLease(SUBNETS), null);
  await own.check();
  assertEquals(own.checkAt, clock.now() + CHECK_CONFIRM_MS);
  assertEquals(lines, []);
  await own.check();
  assertEquals(lines.length, 1);
  assert(lines[0]!.includes("is missing from the store, yet no deletion of it was seen"), lines[0]);
  assertEquals(own.checkAt, clock.now() + OWN_LEASE_CHECK_MS);
});

Deno.test("check: a lease still present keeps the minute cadence", async () => {
  const { own, clock, lines } = await setup();
  await own.check();
  await own.check();
  assertEquals(own.checkAt, clock.now() + OWN_LEASE_CHECK_MS);
  assertEquals(lines, []);
});

Deno.test("a reservation (no TTL) is never looked up", async () => {
  const { own } = await setup(null);
  assertEquals(own.checkAt, Infinity);
});

Deno.test("showSubnets names both families", () => {
  assertEquals(
    showSubnets({ subnet: parseCIDR("10.3.7.0/24"), ipv6Subnet: parseCIDR("fd00:1::/64") }),
    '"10.3.7.0/24 fd00:1::/64"',
  );
});
