import { assert, assertEquals } from "../harness/assert.ts";
import { withEtcd } from "../../scripts/lab/etcd.ts";
import { WatchReader } from "./conformance.ts";
import { createEtcdStore } from "../../store/etcd.ts";
import { type EtcdWatchContext, watchEtcd } from "../../store/etcd_watch.ts";
import { Etcd3 } from "etcd3";
import { parseCIDR, parseIP } from "../../mod/ip/mod.ts";
import { createLogger } from "../../mod/log.ts";
import { decodeLeaseEntry, StoreUnavailableError } from "../../mod/subnet/store.ts";
import { StoreResets } from "../../mod/subnet/reset.ts";
import { OutageLog } from "../../store/outage.ts";

const sn = (i: number) => ({ subnet: parseCIDR(`10.5.${i}.0/24`), ipv6Subnet: null });
const attrs = { publicIP: parseIP("1.2.3.4"), publicIPv6: null, backendType: "" };

async function retrying<T>(fn: () => Promise<T>): Promise<T> {
  for (let i = 0;; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i > 100) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

Deno.test("etcd watch resumes across a restart exactly: every event once, in order", async () => {
  await withEtcd({}, async (etcd) => {
    const store = await createEtcdStore({ endpoints: [etcd.endpoint] });
    const writer = await createEtcdStore({ endpoints: [etcd.endpoint] });
    const w = new WatchReader(store, 0);
    try {
      assertEquals((await w.next()).kind, "snapshot");
      for (let i = 1; i <= 5; i++) await writer.createLease(sn(i), attrs, 600);
      await etcd.restart(500);
      for (let i = 6; i <= 10; i++) await retrying(() => writer.createLease(sn(i), attrs, 600));
      await retrying(() => writer.deleteLease(sn(3)));
      const seen: string[] = [];
      while (seen.length < 11) {
        const r = await w.next(30_000);
        assert(r.kind === "events", "no snapshot without compaction");
        seen.push(...r.events.map((e) => `${e.type} ${e.lease.subnet?.ip}`));
      }
      const want = Array.from({ length: 10 }, (_, i) => `added 10.5.${i + 1}.0`);
      assertEquals(seen, [...want, "removed 10.5.3.0"]);
    } finally {
      await w.close();
      await store.close();
      await writer.close();
    }
  });
});

Deno.test("etcd watch re-lists with backoff until the list works, then hands over a snapshot", async () => {
  await withEtcd({}, async (etcd) => {
    const client = new Etcd3({ hosts: etcd.endpoint });
    const lines: string[] = [];
    let failures = 2;
    const dir = "/coreos.com/network/subnets/";
    const ctx: EtcdWatchContext = {
      client,
      log: createLogger({ write: (l) => lines.push(l) }),
      dir,
      key: dir,
      prefix: true,
      decode: (kv) => decodeLeaseEntry(kv.key.toString().slice(dir.length), kv.value.toString()),
      list: () => {
        if (failures-- > 0) return Promise.reject(new StoreUnavailableError("etcd down"));
        return Promise.resolve({ leases: [], revision: 1, skipped: [] });
      },
      backoffMs: (n) => 10 * n,
      resets: new StoreResets(createLogger({ write: (l) => lines.push(l) })),
      outage: new OutageLog("etcd", etcd.endpoint, createLogger({ write: () => {} }), Date.now),
      cluster: { id: null },
      resetGraceMs: 30_000,
    };
    const stop = new AbortController();
    try {
      const it = watchEtcd(ctx, 0, stop.signal)[Symbol.asyncIterator]();
      const first = await it.next();
      assertEquals(first.value?.kind, "snapshot");
      assertEquals(
        lines.filter((l) => l.includes("Cannot list leases to resync the watch: etcd down")).length,
        2,
      );
      await client.put(`${dir}10.5.1.0-24`).value('{"PublicIP":"1.2.3.4"}');
      const next = await it.next();
      assert(!next.done && next.value.kind === "events");
      assertEquals(next.value.events.map((e) => e.type), ["added"]);
      stop.abort();
      await it.return?.();
    } finally {
      client.close();
    }
  });
});

/** A log that keeps each line's message. */
function logLines() {
  const lines: string[] = [];
  const log = createLogger({ write: (l) => lines.push(l.slice(l.indexOf("] ") + 2, -1)) });
  return { lines, log };
}

Deno.test("etcd watch notices etcd restarted empty: one warning, reset snapshots, grace, outage lines", async () => {
  await withEtcd({}, async (etcd) => {
    const { lines, log } = logLines();
    const store = await createEtcdStore({ endpoints: [etcd.endpoint], log, resetGraceMs: 1000 });
    const writer = await createEtcdStore({ endpoints: [etcd.endpoint] });
    const all = new WatchReader(store, 0);
    const own = new WatchReader(store, 0, { subnets: sn(1) });
    try {
      assertEquals((await all.next()).kind, "snapshot");
      assertEquals((await own.next()).kind, "snapshot");
      for (let i = 1; i <= 5; i++) await writer.createLease(sn(i), attrs, 600);
      for (let seen = 0; seen < 5;) {
        const r = await all.next();
        seen += r.kind === "events" ? r.events.length : 0;
      }
      assertEquals((await own.next()).kind, "events");
      const before = await etcd.revision();
      await etcd.wipe(300);
      const r = await all.next(30_000);
      assert(r.kind === "snapshot" && r.reset === true, JSON.stringify(r));
      const o = await own.next(30_000);
      assert(o.kind === "snapshot" && o.reset === true && o.leases.length === 0);
      const lost = lines.filter((l) => l.startsWith("etcd's revision went backwards"));
      assertEquals(lost.length, 1, lines.join("\n"));
      assert(
        new RegExp(
          `^etcd's revision went backwards \\(${before} → [12]\\): the store lost its data; ` +
            "re-creating our lease and resyncing$",
        ).test(lost[0]!),
        lost[0],
      );
      // The new store's events arrive (the watch resumed from its revision, not ours)...
      await retrying(() => writer.createLease(sn(2), attrs, 600));
      const ev = await all.next(30_000);
      assert(ev.kind === "events", JSON.stringify(ev));
      assertEquals(ev.events.map((e) => `${e.type} ${e.lease.subnet}`), ["added 10.5.2.0/24"]);
      // ...and after the grace period a plain snapshot, which lets a LeaseWatcher remove the rest.
      const plain = await all.next(10_000);
      assert(plain.kind === "snapshot" && plain.reset === undefined, JSON.stringify(plain));
      assertEquals(plain.leases.map((l) => String(l.subnet)), ["10.5.2.0/24"]);
      assert(
        lines.some((l) => l.startsWith(`etcd is unreachable (${etcd.endpoint}): `)),
        lines.join("\n"),
      );
      assert(
        lines.some((l) => /^etcd is reachable again after [\d.]+m?s \(/.test(l)),
        lines.join("\n"),
      );
    } finally {
      await all.close();
      await own.close();
      await store.close();
      await writer.close();
    }
  });
});

Deno.test("etcd store: reportDataLoss() resyncs every watch with a reset snapshot, logged once", async () => {
  await withEtcd({}, async (etcd) => {
    const { lines, log } = logLines();
    const store = await createEtcdStore({ endpoints: [etcd.endpoint], log });
    const all = new WatchReader(store, 0);
    const own = new WatchReader(store, 0, { subnets: sn(1) });
    try {
      await store.createLease(sn(1), attrs, 600);
      assertEquals((await all.next()).kind, "snapshot");
      assertEquals((await own.next()).kind, "snapshot");
      store.reportDataLoss("Our lease is gone: test");
      const r = await all.next();
      assert(r.kind === "snapshot" && r.reset === true);
      assertEquals(r.leases.map((l) => String(l.subnet)), ["10.5.1.0/24"]);
      const r2 = await own.next();
      assert(r2.kind === "snapshot" && r2.reset === true && r2.leases.length === 1);
      assertEquals(lines.filter((l) => l === "Our lease is gone: test").length, 1);
    } finally {
      await all.close();
      await own.close();
      await store.close();
    }
  });
});

Deno.test("etcd watch notices etcd rebuilt as another cluster (cluster ID changed)", async () => {
  await withEtcd({}, async (etcd) => {
    const { lines, log } = logLines();
    const store = await createEtcdStore({ endpoints: [etcd.endpoint], log });
    const all = new WatchReader(store, 0);
    try {
      assertEquals((await all.next()).kind, "snapshot");
      await store.createLease(sn(1), attrs, 600);
      assertEquals((await all.next()).kind, "events"); // the watch is connected
      await etcd.wipe(0, { newCluster: true });
      const r = await all.next(30_000);
      assert(r.kind === "snapshot" && r.reset === true && r.leases.length === 0, JSON.stringify(r));
      const lost = lines.filter((l) => l.includes("the store lost its data"));
      assertEquals(lost.length, 1, lines.join("\n"));
      const m = /^etcd's cluster ID changed \((\d+) → (\d+)\): the store lost its data; /.exec(
        lost[0]!,
      );
      assert(m !== null && m[1] !== m[2], lost[0]);
    } finally {
      await all.close();
      await store.close();
    }
  });
});
