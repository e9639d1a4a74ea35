/**
 * The one conformance suite every {@linkcode LeaseStore} passes (etcd, local, the in-memory
 * test store): key layout and upstream bytes, create-if-absent races through the policy
 * manager, TTL expiry as a removal, renewal TTLs, reservations, garbage entries, watches that
 * resume, survive restarts and hand over snapshots after compaction, and a store that lost its
 * data (reset snapshots that hold removals, a plain one after the grace period).
 *
 * A store test file provides a {@linkcode Backing} factory and calls {@linkcode runConformance}
 * inside one `Deno.test`, so a server started around it is stopped in `finally`.
 */
import { assert, assertEquals, assertRejects } from "../harness/assert.ts";
import { parseCIDR, parseIP } from "../../mod/ip/mod.ts";
import type { LeaseAttrs, LeaseSubnets } from "../../mod/lease/types.ts";
import { encodeLeaseAttrs } from "../../mod/lease/value.ts";
import { LeaseWatcher } from "../../mod/lease/watcher.ts";
import {
  ConfigNotFoundError,
  LeaseConflictError,
  type LeaseStore,
  type StoreWatchResult,
  SUBNET_TTL_SECONDS,
} from "../../mod/subnet/store.ts";
import { PolicySubnetManager } from "../../mod/subnet/policy.ts";

/** The reset grace period the stores of {@linkcode Backing.open} use (short, for the suite). */
export const RESET_GRACE_TEST_MS = 1500;

/** One fresh, empty backing store (etcd: a fresh prefix; local: a fresh directory). */
export interface Backing {
  /** A new client of this backing store, with its own connection ({@linkcode RESET_GRACE_TEST_MS}). */
  open(): Promise<LeaseStore>;
  /** Writes `value` under `subnets/<name>` as etcdctl or upstream would (`ttl` null: none). */
  putRaw(name: string, value: string, ttlSeconds: number | null): Promise<void>;
  readRaw(name: string): Promise<string | null>;
  /** Remaining TTL in seconds, `null` without TTL, `undefined` when absent. */
  ttlOf(name: string): Promise<number | null | undefined>;
  setConfig(text: string): Promise<void>;
  /** Makes earlier revisions unusable for watches (etcd compaction). */
  compact(): Promise<void>;
  /** Restarts the server, if the store has one; watches must survive it. */
  restart?(): Promise<void>;
  /** Loses all data (etcd: restarted with an empty data directory; local: directory removed). */
  wipe(): Promise<void>;
  /** The shortest TTL the store honours, in seconds. */
  minTtlSeconds: number;
  close(): Promise<void>;
}

const sn = (v4: string, v6?: string): LeaseSubnets => ({
  subnet: parseCIDR(v4),
  ipv6Subnet: v6 ? parseCIDR(v6) : null,
});
const attrs = (ip: string, extra: Partial<LeaseAttrs> = {}): LeaseAttrs => ({
  publicIP: parseIP(ip),
  publicIPv6: null,
  backendType: "",
  ...extra,
});
const CONFIG = '{"Network":"10.5.0.0/16","SubnetMin":"10.5.1.0","SubnetMax":"10.5.30.0"}';
const DOCS_VALUE =
  '{"PublicIP":"192.168.64.3","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"c6:d2:32:6f:8f:44"}}';
const DUAL_VALUE =
  '{"PublicIP":"10.0.0.1","PublicIPv6":"fc00::1","BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"aa:bb:cc:dd:ee:ff"},"BackendV6Data":{"VNI":1,"VtepMAC":"aa:bb:cc:dd:ee:fe"}}';

/** Reads a watch with timeouts; `close` aborts it and waits for it to end. */
export class WatchReader {
  readonly #stop = new AbortController();
  readonly #it: AsyncIterator<StoreWatchResult>;

  constructor(store: LeaseStore, revision: number, opts: { subnets?: LeaseSubnets } = {}) {
    this.#it = store.watchLeases(revision, this.#stop.signal, opts)[Symbol.asyncIterator]();
  }

  async next(ms = 15_000): Promise<StoreWatchResult> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no watch result within ${ms} ms`)), ms);
    });
    try {
      const r = await Promise.race([this.#it.next(), timeout]);
      if (r.done) throw new Error("watch ended");
      return r.value;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.#stop.abort();
    await this.#it.return?.();
  }
}

/** `10.5.1.0/24 1.2.3.4` lines of a lease list, sorted. */
function show(leases: readonly { subnet: unknown; attrs: LeaseAttrs }[]): string[] {
  return leases.map((l) => `${l.subnet} ${l.attrs.publicIP}`).sort();
}

/** Retries `fn` while the store is briefly unreachable (after a restart). */
async function retrying<T>(fn: () => Promise<T>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > end || err instanceof LeaseConflictError) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

type Case = (b: Backing, store: LeaseStore) => Promise<void>;

const CASES: Record<string, Case> = {
  async "config: missing is ConfigNotFoundError, then read back verbatim"(b, store) {
    await assertRejects(() => store.getNetworkConfig(), ConfigNotFoundError);
    await b.setConfig(CONFIG);
    assertEquals(await store.getNetworkConfig(), CONFIG);
  },

  async "create writes upstream's key and bytes, refuses a taken key, delete is idempotent"(
    b,
    store,
  ) {
    const l = await store.createLease(sn("10.1.5.0/24"), attrs("1.2.3.4"), SUBNET_TTL_SECONDS);
    assertEquals(await b.readRaw("10.1.5.0-24"), '{"PublicIP":"1.2.3.4","PublicIPv6":null}');
    assert(Math.abs(l.expiration!.getTime() - Date.now() - SUBNET_TTL_SECONDS * 1000) < 10_000);
    await assertRejects(
      () => store.createLease(sn("10.1.5.0/24"), attrs("1.2.3.5"), SUBNET_TTL_SECONDS),
      LeaseConflictError,
    );
    assertEquals(await b.readRaw("10.1.5.0-24"), '{"PublicIP":"1.2.3.4","PublicIPv6":null}');
    await store.createLease(sn("10.12.13.0/24", "fd00:12:13::/56"), attrs("1.2.3.6"), 60);
    assert((await b.readRaw("10.12.13.0-24&fd00:12:13::-56")) !== null);
    assertEquals(show((await store.listLeases()).leases), [
      "10.1.5.0/24 1.2.3.4",
      "10.12.13.0/24 1.2.3.6",
    ]);
    await store.deleteLease(sn("10.1.5.0/24"));
    await store.deleteLease(sn("10.1.5.0/24"));
    assertEquals(await b.readRaw("10.1.5.0-24"), null);
    assertEquals(await store.getLease(sn("10.1.5.0/24")), null);
  },

  async "upstream-written values are read, and ours are byte-identical (mixed clusters)"(b, store) {
    await b.putRaw("10.5.52.0-24", DOCS_VALUE, 600);
    await b.putRaw("10.12.13.0-24&fd00:12:13::-56", DUAL_VALUE, 600);
    const { leases, skipped } = await store.listLeases();
    assertEquals([leases.length, skipped], [2, []]);
    for (const l of leases) {
      const name = l.ipv6Subnet ? "10.12.13.0-24&fd00:12:13::-56" : "10.5.52.0-24";
      assertEquals(encodeLeaseAttrs(l.attrs), await b.readRaw(name));
      await store.updateLease(l, l.attrs, SUBNET_TTL_SECONDS);
      assertEquals(await b.readRaw(name), l.ipv6Subnet ? DUAL_VALUE : DOCS_VALUE);
    }
    const dual = leases.find((l) => l.ipv6Subnet !== null)!;
    assertEquals([String(dual.ipv6Subnet), String(dual.attrs.publicIPv6)], [
      "fd00:12:13::/56",
      "fc00::1",
    ]);
  },

  async "garbage entries are skipped and reported, never disturbing the others"(b, store) {
    await store.createLease(sn("10.5.1.0/24"), attrs("1.2.3.4"), 600);
    const w = new WatchReader(store, 0);
    try {
      const first = await w.next();
      assertEquals(first.kind, "snapshot");
      for (
        const [name, value] of [["garbage", "x"], ["10.5.9.0-24", "not json"], [
          "x10.5.2.0-24",
          "{}",
        ]]
      ) {
        await b.putRaw(name!, value!, null);
      }
      const { leases, skipped } = await store.listLeases();
      assertEquals([show(leases), skipped.length], [["10.5.1.0/24 1.2.3.4"], 3]);
      let seen = 0;
      while (seen < 3) {
        const r = await w.next();
        assert(r.kind === "events" && r.events.length === 0, JSON.stringify(r));
        seen += r.skipped?.length ?? 0;
      }
      await store.createLease(sn("10.5.3.0/24"), attrs("1.2.3.5"), 600);
      const r = await w.next();
      assert(r.kind === "events");
      assertEquals(r.events.map((e) => `${e.type} ${e.lease.subnet}`), ["added 10.5.3.0/24"]);
    } finally {
      await w.close();
    }
  },

  async "20 concurrent acquirers through the policy manager get 20 distinct subnets"(b) {
    await b.setConfig(CONFIG);
    const stores = await Promise.all(Array.from({ length: 20 }, () => b.open()));
    try {
      const signal = new AbortController().signal;
      const got = await Promise.all(stores.map(async (store, i) => {
        const sm = new PolicySubnetManager({ store });
        return await sm.acquireLease(
          await sm.getNetworkConfig(),
          attrs(`198.18.1.${i + 1}`),
          signal,
        );
      }));
      const subnets = new Set(got.map((l) => String(l.subnet)));
      assertEquals(subnets.size, 20);
      const listed = (await stores[0]!.listLeases()).leases;
      assertEquals(show(listed), show(got));
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  },

  async "TTL expiry is seen as a removal"(b, store) {
    const w = new WatchReader(store, 0);
    try {
      assertEquals((await w.next()).kind, "snapshot");
      await store.createLease(sn("10.5.7.0/24"), attrs("1.2.3.4"), b.minTtlSeconds);
      const seen: string[] = [];
      while (!seen.includes("removed 10.5.7.0/24")) {
        const r = await w.next(b.minTtlSeconds * 1000 + 10_000);
        assert(r.kind === "events", r.kind);
        seen.push(...r.events.map((e) => `${e.type} ${e.lease.subnet}`));
      }
      assertEquals(seen, ["added 10.5.7.0/24", "removed 10.5.7.0/24"]);
      assertEquals((await store.listLeases()).leases, []);
    } finally {
      await w.close();
    }
  },

  async "renew extends the TTL to 24 h; no TTL stays no TTL"(b, store) {
    await store.createLease(sn("10.5.8.0/24"), attrs("1.2.3.4"), 60);
    const before = (await b.ttlOf("10.5.8.0-24"))!;
    assert(before > 50 && before <= 60, String(before));
    await store.updateLease(
      sn("10.5.8.0/24"),
      attrs("1.2.3.4", { backendType: "vxlan" }),
      SUBNET_TTL_SECONDS,
    );
    const ttl = (await b.ttlOf("10.5.8.0-24"))!;
    assert(Math.abs(ttl - SUBNET_TTL_SECONDS) <= 10, String(ttl));
    const got = (await store.getLease(sn("10.5.8.0/24")))!;
    assert(Math.abs(got.expiration!.getTime() - Date.now() - SUBNET_TTL_SECONDS * 1000) <= 10_000);
    assertEquals(got.attrs.backendType, "vxlan");
    await store.updateLease(sn("10.5.8.0/24"), attrs("1.2.3.4"), null);
    assertEquals(await b.ttlOf("10.5.8.0-24"), null);
    assertEquals((await store.getLease(sn("10.5.8.0/24")))!.expiration, null);
  },

  async "the policy keeps a reservation a reservation"(b, store) {
    await b.setConfig(CONFIG);
    await b.putRaw("10.5.20.0-24", '{"PublicIP":"1.2.3.4","PublicIPv6":null}', null);
    const sm = new PolicySubnetManager({ store });
    const l = await sm.acquireLease(
      await sm.getNetworkConfig(),
      attrs("1.2.3.4"),
      new AbortController().signal,
    );
    assertEquals([String(l.subnet), l.expiration], ["10.5.20.0/24", null]);
    assertEquals(await b.ttlOf("10.5.20.0-24"), null);
    assertEquals(await b.readRaw("10.5.20.0-24"), '{"PublicIP":"1.2.3.4","PublicIPv6":null}');
  },

  async "a watch from an old revision after compaction starts with a snapshot"(b, store) {
    const r0 = (await store.listLeases()).revision;
    await store.createLease(sn("10.5.1.0/24"), attrs("1.2.3.1"), 600);
    await store.createLease(sn("10.5.2.0/24"), attrs("1.2.3.2"), 600);
    await store.deleteLease(sn("10.5.1.0/24"));
    await b.compact();
    const w = new WatchReader(store, r0);
    try {
      const first = await w.next();
      assert(first.kind === "snapshot", first.kind);
      assertEquals(show(first.leases), ["10.5.2.0/24 1.2.3.2"]);
      await store.createLease(sn("10.5.3.0/24"), attrs("1.2.3.3"), 600);
      const r = await w.next();
      assert(r.kind === "events");
      assertEquals(r.events.map((e) => `${e.type} ${e.lease.subnet}`), ["added 10.5.3.0/24"]);
    } finally {
      await w.close();
    }
  },

  async "a watch from a list revision misses nothing"(_b, store) {
    const { revision } = await store.listLeases();
    await store.createLease(sn("10.5.4.0/24"), attrs("1.2.3.4"), 600);
    const w = new WatchReader(store, revision);
    try {
      const folded = new LeaseWatcher(null);
      folded.apply(await w.next());
      assertEquals(show(folded.leases()), ["10.5.4.0/24 1.2.3.4"]);
    } finally {
      await w.close();
    }
  },

  async "a single-lease watch sees only that lease, and its removal"(_b, store) {
    const w = new WatchReader(store, 0, { subnets: sn("10.5.6.0/24") });
    try {
      const first = await w.next();
      assert(first.kind === "snapshot" && first.leases.length === 0);
      const seen: string[] = [];
      const expect = async (n: number) => {
        while (seen.length < n) {
          const r = await w.next();
          assert(r.kind === "events");
          seen.push(...r.events.map((e) => `${e.type} ${e.lease.subnet}`));
        }
      };
      await store.createLease(sn("10.5.5.0/24"), attrs("1.2.3.5"), 600);
      await store.createLease(sn("10.5.6.0/24"), attrs("1.2.3.6"), 600);
      await expect(1); // stores may fold changes between looks (local): wait before deleting
      await store.deleteLease(sn("10.5.6.0/24"));
      await expect(2);
      assertEquals(seen, ["added 10.5.6.0/24", "removed 10.5.6.0/24"]);
    } finally {
      await w.close();
    }
  },

  async "a watch survives a server restart with no event lost"(b, store) {
    const writer = await b.open();
    const w = new WatchReader(store, 0);
    const folded = new LeaseWatcher(null);
    try {
      folded.apply(await w.next());
      for (let i = 1; i <= 5; i++) {
        await writer.createLease(sn(`10.5.${i}.0/24`), attrs(`1.2.3.${i}`), 600);
      }
      await b.restart?.();
      for (let i = 6; i <= 10; i++) {
        await retrying(() => writer.createLease(sn(`10.5.${i}.0/24`), attrs(`1.2.3.${i}`), 600));
      }
      await retrying(() => writer.deleteLease(sn("10.5.2.0/24")));
      await retrying(() => writer.updateLease(sn("10.5.3.0/24"), attrs("1.2.9.9"), 600));
      const want = show((await retrying(() => writer.listLeases())).leases);
      assertEquals(want.length, 9);
      while (show(folded.leases()).join() !== want.join()) folded.apply(await w.next(30_000));
    } finally {
      await w.close();
      await writer.close();
    }
  },

  async "a store that lost its data: reset snapshots keep removals back until the grace ends"(
    b,
    store,
  ) {
    const w = new WatchReader(store, 0);
    const own = new WatchReader(store, 0, { subnets: sn("10.5.1.0/24") });
    const folded = new LeaseWatcher(null);
    try {
      assertEquals((await own.next()).kind, "snapshot");
      folded.apply(await w.next());
      await store.createLease(sn("10.5.1.0/24"), attrs("1.2.3.1"), 600);
      await store.createLease(sn("10.5.2.0/24"), attrs("1.2.3.2"), 600);
      while (folded.leases().length < 2) folded.apply(await w.next());
      await b.wipe();
      const r = await w.next(30_000);
      assert(r.kind === "snapshot" && r.reset === true, JSON.stringify(r));
      folded.apply(r);
      assertEquals(show(folded.leases()), ["10.5.1.0/24 1.2.3.1", "10.5.2.0/24 1.2.3.2"]);
      let o = await own.next(30_000);
      while (o.kind === "events") o = await own.next(30_000); // our create, before the wipe
      assert(o.reset === true && o.leases.length === 0, JSON.stringify(o));
      await retrying(() => store.createLease(sn("10.5.1.0/24"), attrs("1.2.3.9"), 600));
      for (let x = await w.next(30_000);; x = await w.next(30_000)) {
        folded.apply(x);
        if (x.kind === "snapshot" && !x.reset) break;
      }
      assertEquals(show(folded.leases()), ["10.5.1.0/24 1.2.3.9"]);
    } finally {
      await w.close();
      await own.close();
    }
  },
};

/** Runs every conformance case as a step, each on a fresh backing store from `fresh`. */
export async function runConformance(
  t: Deno.TestContext,
  fresh: () => Promise<Backing>,
): Promise<void> {
  for (const [name, run] of Object.entries(CASES)) {
    await t.step(name, async () => {
      const b = await fresh();
      const store = await b.open();
      try {
        await run(b, store);
      } finally {
        await store.close();
        await b.close();
      }
    });
  }
}
