import { assert, assertEquals } from "../harness/assert.ts";
import { withEtcd } from "../harness/etcd.ts";
import { WatchReader } from "./conformance.ts";
import { createEtcdStore } from "../../store/etcd.ts";
import { type EtcdWatchContext, watchEtcd } from "../../store/etcd_watch.ts";
import { Etcd3 } from "etcd3";
import { parseCIDR, parseIP } from "../../mod/ip/mod.ts";
import { createLogger } from "../../mod/log.ts";
import { decodeLeaseEntry, StoreUnavailableError } from "../../mod/subnet/store.ts";

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
