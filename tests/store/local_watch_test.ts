import { assert, assertEquals } from "../harness/assert.ts";
import { FakeClock } from "../harness/fake_clock.ts";
import { makeFifo, unblockAfter } from "../harness/fifo.ts";
import { WatchReader } from "./conformance.ts";
import { createLocalStore, type LocalStore } from "../../store/local.ts";
import type { StoreWatchResult } from "../../mod/subnet/store.ts";
import { parseCIDR, parseIP } from "../../mod/ip/mod.ts";

const sn = (i: number) => ({ subnet: parseCIDR(`10.5.${i}.0/24`), ipv6Subnet: null });
const attrs = (ip: string) => ({ publicIP: parseIP(ip), publicIPv6: null, backendType: "" });
const show = (r: StoreWatchResult) =>
  r.kind === "snapshot"
    ? ["snapshot", ...r.leases.map((l) => `${l.subnet} ${l.attrs.publicIP}`).sort()]
    : [
      ...r.events.map((e) => `${e.type} ${e.lease.subnet} ${e.lease.attrs.publicIP}`),
      ...(r.skipped ?? []).map((s) => `skipped ${s.key}`),
    ];

/** A store on a fake clock, rescanning every 10 s of that clock, without revision checks. */
async function setup(fn: (s: LocalStore, clock: FakeClock, dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "leases-" });
  const clock = new FakeClock();
  try {
    await fn(await createLocalStore({ dir, clock, pollMs: 0, rescanMs: 10_000 }), clock, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function parked(clock: FakeClock): Promise<void> {
  for (let i = 0; i < 2000 && clock.sleeping === 0; i++) await new Promise((r) => setTimeout(r, 1));
  assert(clock.sleeping > 0, "the watch never went back to sleep");
}

Deno.test("local watch: an expiry is a removal at that time on the clock, and is swept", () =>
  setup(async (store, clock, dir) => {
    await store.createLease(sn(1), attrs("1.2.3.1"), 60);
    await store.createLease(sn(2), attrs("1.2.3.2"), 3600);
    const w = new WatchReader(store, 0);
    try {
      assertEquals(show(await w.next()), [
        "snapshot",
        "10.5.1.0/24 1.2.3.1",
        "10.5.2.0/24 1.2.3.2",
      ]);
      const p = w.next(); // the watch runs on while a result is awaited
      let early = false;
      const t0 = clock.now();
      p.then(() => (early = clock.now() < t0 + 60_000));
      await parked(clock);
      await clock.tick(59_999);
      await parked(clock);
      await clock.tick(1);
      assertEquals(early, false);
      assertEquals(show(await p), ["removed 10.5.1.0/24 null"]);
      const q = w.next();
      await parked(clock);
      assertEquals([...Deno.readDirSync(`${dir}/subnets`)].map((e) => e.name), ["10.5.2.0-24"]);
      await w.close();
      await q.catch(() => {});
    } finally {
      await w.close();
    }
  }));

Deno.test("local watch: changes between two looks fold into one event; garbage is reported once", () =>
  setup(async (store, clock, dir) => {
    const w = new WatchReader(store, 0);
    try {
      assertEquals(show(await w.next()), ["snapshot"]);
      await store.createLease(sn(1), attrs("1.2.3.1"), 600);
      await store.updateLease(sn(1), attrs("1.2.3.2"), 600);
      await store.updateLease(sn(1), attrs("1.2.3.3"), 600);
      await Deno.writeTextFile(`${dir}/subnets/garbage`, "x");
      const p = w.next(); // the watch runs on while a result is awaited
      await parked(clock);
      await clock.tick(10_000);
      assertEquals(show(await p), ["added 10.5.1.0/24 1.2.3.3", "skipped garbage"]);
      const q = w.next();
      await parked(clock);
      await clock.tick(10_000); // nothing changed: this rescan reports nothing
      await parked(clock);
      await store.deleteLease(sn(1));
      await clock.tick(10_000);
      assertEquals(show(await q), ["removed 10.5.1.0/24 null"]);
    } finally {
      await w.close();
    }
  }));

Deno.test("local watch: a FIFO and a directory under subnets/ are skipped once, then a file there is a lease", () =>
  setup(async (store, clock, dir) => {
    const fifo = `${dir}/subnets/10.5.1.0-24`;
    await makeFifo(fifo);
    const stop = unblockAfter([fifo], 2000); // a reader stuck on the FIFO gets "" instead of hanging
    const w = new WatchReader(store, 0);
    try {
      Deno.mkdirSync(`${dir}/subnets/10.5.2.0-24`);
      await store.createLease(sn(3), attrs("1.2.3.3"), 600);
      const first = await w.next();
      assertEquals(show(first), ["snapshot", "10.5.3.0/24 1.2.3.3"]);
      assertEquals(first.skipped?.map((s) => `${s.key}: ${s.reason}`).sort(), [
        "10.5.1.0-24: it is a FIFO, not a regular file",
        "10.5.2.0-24: it is a directory, not a regular file",
      ]);
      const p = w.next();
      await parked(clock);
      await clock.tick(10_000); // a rescan: the same two entries, not reported again
      await parked(clock);
      Deno.removeSync(fifo);
      Deno.writeTextFileSync(fifo, '{"PublicIP":"1.2.3.1"}');
      Deno.removeSync(`${dir}/subnets/10.5.2.0-24`);
      await clock.tick(10_000);
      assertEquals(show(await p), ["added 10.5.1.0/24 1.2.3.1"], "no removal for the directory");
    } finally {
      await w.close();
      await stop();
    }
  }));

Deno.test("local watch: a change through another store is seen at the next revision check; a hand edit at the rescan", async () => {
  const dir = await Deno.makeTempDir({ prefix: "leases-" });
  const clock = new FakeClock();
  try {
    const store = await createLocalStore({ dir, clock, pollMs: 250, rescanMs: 10_000 });
    const writer = await createLocalStore({ dir, clock });
    const w = new WatchReader(store, 0);
    try {
      assertEquals(show(await w.next()), ["snapshot"]);
      let p = w.next();
      await parked(clock);
      await writer.createLease(sn(1), attrs("1.2.3.1"), 600);
      await clock.tick(250);
      assertEquals(show(await p), ["added 10.5.1.0/24 1.2.3.1"], "one revision check later");
      p = w.next();
      await parked(clock);
      Deno.writeTextFileSync(`${dir}/subnets/10.5.2.0-24`, '{"PublicIP":"1.2.3.2"}');
      let seen = false;
      p.then(() => (seen = true));
      for (let i = 0; i < 39; i++) await clock.tick(250); // 9.75 s: no revision moved
      assertEquals(seen, false, "a hand edit leaves the revision alone");
      await clock.tick(250);
      assertEquals(show(await p), ["added 10.5.2.0/24 1.2.3.2"], "the rescan finds it");
    } finally {
      await w.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
