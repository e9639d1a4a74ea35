import { assert, assertEquals, assertStringIncludes } from "../harness/assert.ts";
import { type EtcdServer, withEtcd } from "../../scripts/lab/etcd.ts";
import { type Backing, RESET_GRACE_TEST_MS, runConformance, WatchReader } from "./conformance.ts";
import { createEtcdStore, joinKey } from "../../store/etcd.ts";
import { Etcd3 } from "etcd3";
import { parseCIDR, parseIP } from "../../mod/ip/mod.ts";
import { SUBNET_TTL_SECONDS } from "../../mod/subnet/store.ts";

/** A raw npm:etcd3 client standing in for etcdctl and upstream flanneld. */
function rawClient(etcd: EtcdServer): Etcd3 {
  return new Etcd3({ hosts: etcd.endpoint });
}

function backing(etcd: EtcdServer, raw: Etcd3, prefix: string): Backing {
  const key = (name: string) => `${prefix}/subnets/${name}`;
  return {
    open: () =>
      createEtcdStore({ endpoints: [etcd.endpoint], prefix, resetGraceMs: RESET_GRACE_TEST_MS }),
    async putRaw(name, value, ttl) {
      const put = raw.put(key(name)).value(value);
      if (ttl !== null) put.lease((await raw.leaseClient.leaseGrant({ TTL: ttl })).ID);
      await put.exec();
    },
    readRaw: (name) => raw.get(key(name)).string(),
    async ttlOf(name) {
      const kv = (await raw.get(key(name)).exec()).kvs[0];
      if (kv === undefined) return undefined;
      if (kv.lease === "0") return null;
      return Number((await raw.leaseClient.leaseTimeToLive({ ID: kv.lease })).TTL);
    },
    setConfig: async (text) => void await raw.put(`${prefix}/config`).value(text).exec(),
    compact: async () => void await etcd.compact(),
    restart: () => etcd.restart(),
    wipe: () => etcd.wipe(),
    minTtlSeconds: 2,
    close: async () => void await raw.delete().prefix(`${prefix}/`).exec(),
  };
}

Deno.test("etcd store passes the conformance suite (real etcd 3.4)", async (t) => {
  await withEtcd({}, async (etcd) => {
    let raw = rawClient(etcd);
    let n = 0;
    try {
      await runConformance(t, () => {
        // A restart leaves the raw client's circuit breaker open for a while: use a new one.
        raw.close();
        raw = rawClient(etcd);
        return Promise.resolve(backing(etcd, raw, `/conf${++n}/coreos.com/network`));
      });
    } finally {
      raw.close();
    }
  });
});

Deno.test("joinKey() joins like Go's path.Join", () => {
  assertEquals(joinKey("/coreos.com/network", "config"), "/coreos.com/network/config");
  assertEquals(joinKey("/coreos.com/network/", "subnets"), "/coreos.com/network/subnets");
  assertEquals(joinKey("//a//b/", "c"), "/a/b/c");
});

const sn = { subnet: parseCIDR("10.5.1.0/24"), ipv6Subnet: null };
const attrs = { publicIP: parseIP("1.2.3.4"), publicIPv6: null, backendType: "vxlan" };

Deno.test("etcd store: the layout, the etcd lease and the expirations it reports", async () => {
  await withEtcd({}, async (etcd) => {
    const store = await createEtcdStore({ endpoints: [etcd.endpoint] });
    const other = await createEtcdStore({ endpoints: [etcd.endpoint] });
    try {
      const l = await store.createLease(sn, attrs, SUBNET_TTL_SECONDS);
      const json = await etcd.etcdctl(
        "get",
        "/coreos.com/network/subnets/10.5.1.0-24",
        "-w",
        "json",
      );
      const id = BigInt(/"lease":(\d+)/.exec(json)![1]!).toString(16); // int64: not JSON.parse
      const ttl = await etcd.etcdctl("lease", "timetolive", id);
      assertStringIncludes(ttl, "granted with TTL(86400s)");
      // Our own grant is known for free; another client leaves it absent; getLease asks etcd.
      assertEquals((await store.listLeases()).leases[0]!.expiration, l.expiration);
      assert(!("expiration" in (await other.listLeases()).leases[0]!));
      const exact = (await other.getLease(sn))!.expiration!.getTime();
      assert(Math.abs(exact - l.expiration!.getTime()) < 2000);
    } finally {
      await store.close();
      await other.close();
    }
  });
});

Deno.test("etcd store: several endpoints (one down) and a unix socket from anywhere", async () => {
  await withEtcd({ unixSocket: true }, async (etcd) => {
    const dead = "http://127.0.0.1:9"; // discard port: refused at once
    const stores = [
      await createEtcdStore({ endpoints: [dead, etcd.endpoint], requestTimeoutMs: 3000 }),
      await createEtcdStore({ endpoints: [etcd.unixEndpoint!] }),
    ];
    try {
      await stores[1]!.createLease(sn, attrs, 600);
      for (let i = 0; i < 4; i++) assertEquals((await stores[0]!.listLeases()).leases.length, 1);
      const w = new WatchReader(stores[1]!, 0);
      try {
        assertEquals((await w.next()).kind, "snapshot");
        await stores[0]!.deleteLease(sn);
        const r = await w.next();
        assertEquals(r.kind === "events" && r.events.map((e) => e.type), ["removed"]);
      } finally {
        await w.close();
      }
    } finally {
      for (const s of stores) await s.close();
    }
  });
});

Deno.test("etcd store: endpoints without a scheme work as Go's clientv3 takes them", async () => {
  await withEtcd({}, async (etcd) => {
    const store = await createEtcdStore({ endpoints: [etcd.endpoint.replace("http://", "")] });
    try {
      await store.createLease(sn, attrs, 600);
      assertEquals((await store.listLeases()).leases.length, 1);
    } finally {
      await store.close();
    }
  });
});
