/**
 * Subnet store benchmark (BENCHMARKS.md, `## Subnet stores`), on a fresh local etcd 3.4
 * (tmpfs data dir) and a fresh local-store directory:
 * - acquire latency: the policy manager's whole acquisition (list, grant, txn create), median
 *   of N, next to the bare grant + txn a raw npm:etcd3 client needs;
 * - event latency put → callback, p50/p99 over M puts: our store watch and a raw npm:etcd3
 *   watcher see the same puts; local store: our watch next to a bare `Deno.watchFs`;
 * - list + parse of L leases (median of 10), next to a raw range read and `etcdctl get --prefix`;
 * - agent-side RSS holding L leases (child process, scripts/bench/subnet_rss.ts).
 *
 * Usage: `deno run -A scripts/bench/subnet.ts [--acquires 20] [--events 1000] [--leases 5000]`
 */
import { Etcd3 } from "etcd3";
import { EtcdServer } from "../lab/etcd.ts";
import { createEtcdStore, type EtcdStore } from "../../store/etcd.ts";
import { createLocalStore, type LocalStore } from "../../store/local.ts";
import { PolicySubnetManager } from "../../mod/subnet/policy.ts";
import type { LeaseStore } from "../../mod/subnet/store.ts";
import { IPAddr, IPNet } from "../../mod/ip/mod.ts";
import type { LeaseAttrs } from "../../mod/lease/types.ts";
import { encodeLeaseAttrs } from "../../mod/lease/value.ts";
import { subnetKey } from "../../mod/lease/key.ts";

const DIR = "/coreos.com/network/subnets/";
const CONFIG = '{"Network":"10.0.0.0/8","SubnetLen":24}';

function arg(name: string, dflt: number): number {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Number(Deno.args[i + 1]) : dflt;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
const ms = (x: number) => `${x.toFixed(2)} ms`;

const attrs = (i: number): LeaseAttrs => ({
  publicIP: IPAddr.of(4, 0xc6120000n + BigInt(i)), // 198.18.x.y
  publicIPv6: null,
  backendType: "vxlan",
  backendData: { VNI: 1, VtepMAC: "aa:bb:cc:dd:ee:ff" },
});
const subnetOf = (i: number) => IPNet.of(IPAddr.of(4, 0x0a000000n + (BigInt(i + 1) << 8n)), 24);

async function acquireBench(store: LeaseStore, raw: Etcd3 | null, n: number) {
  const ours: number[] = [];
  const bare: number[] = [];
  const sm = new PolicySubnetManager({ store });
  const config = await sm.getNetworkConfig();
  const signal = new AbortController().signal;
  for (let i = 0; i < n; i++) {
    let t = performance.now();
    await sm.acquireLease(config, attrs(60_000 + i), signal);
    ours.push(performance.now() - t);
    if (raw === null) continue;
    t = performance.now();
    const id = (await raw.leaseClient.leaseGrant({ TTL: 86400 })).ID;
    const key = `/bench-raw/${i}`;
    await raw.if(key, "Version", "==", 0).then(raw.put(key).value("{}").lease(id)).commit();
    bare.push(performance.now() - t);
  }
  return { ours: pct(ours, 50), bare: bare.length ? pct(bare, 50) : NaN };
}

/** Resolves waiters by key as events arrive. */
class Arrivals {
  #waiting = new Map<string, (t: number) => void>();
  wait(key: string): Promise<number> {
    return new Promise((r) => this.#waiting.set(key, r));
  }
  arrived(key: string): void {
    const t = performance.now();
    this.#waiting.get(key)?.(t);
    this.#waiting.delete(key);
  }
}

/** Runs `store`'s watch into `arrivals`; `started` resolves after the first snapshot. */
function consume(store: LeaseStore) {
  const arrivals = new Arrivals();
  const stop = new AbortController();
  let ready!: () => void;
  const started = new Promise<void>((r) => (ready = r));
  const loop = (async () => {
    for await (const r of store.watchLeases(0, stop.signal)) {
      if (r.kind === "snapshot") ready();
      else for (const e of r.events) arrivals.arrived(subnetKey(e.lease));
    }
  })();
  return { arrivals, started, stop: () => (stop.abort(), loop) };
}

async function etcdEventBench(etcd: EtcdServer, store: EtcdStore, n: number) {
  const raw = new Etcd3({ hosts: etcd.endpoint });
  const { arrivals: ours, started, stop } = consume(store);
  const theirs = new Arrivals();
  const w = await raw.watch().prefix(DIR).create();
  w.on("put", (kv) => theirs.arrived(kv.key.toString().slice(DIR.length)));
  await started;
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < n; i++) {
    const key = subnetKey({ subnet: subnetOf(i % 50), ipv6Subnet: null });
    const value = encodeLeaseAttrs(attrs(i));
    const [p, q] = [ours.wait(key), theirs.wait(key)];
    const t0 = performance.now();
    await raw.put(DIR + key).value(value).exec();
    a.push((await p) - t0);
    b.push((await q) - t0);
  }
  await stop();
  await w.cancel();
  raw.close();
  return { ours: a, raw: b };
}

async function localEventBench(dir: string, n: number) {
  const store = await createLocalStore({ dir });
  const writer = await createLocalStore({ dir });
  const { arrivals: ours, started, stop } = consume(store);
  const theirs = new Arrivals();
  const fsw = Deno.watchFs(`${dir}/subnets`);
  const pump = (async () => {
    for await (const ev of fsw) {
      for (const p of ev.paths) theirs.arrived(p.slice(p.lastIndexOf("/") + 1));
    }
  })();
  await started;
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = { subnet: subnetOf(i % 50), ipv6Subnet: null };
    const [p, q] = [ours.wait(subnetKey(s)), theirs.wait(subnetKey(s))];
    const t0 = performance.now();
    await writer.updateLease(s, attrs(i), 600);
    a.push((await p) - t0);
    b.push((await q) - t0);
  }
  fsw.close();
  await Promise.all([stop(), pump]);
  return { ours: a, raw: b };
}

async function populateEtcd(raw: Etcd3, n: number): Promise<void> {
  for (let i = 0; i < n; i += 250) {
    await Promise.all(Array.from({ length: Math.min(250, n - i) }, async (_, j) => {
      const id = (await raw.leaseClient.leaseGrant({ TTL: 86400 })).ID;
      const key = subnetKey({ subnet: subnetOf(i + j), ipv6Subnet: null });
      await raw.put(DIR + key).value(encodeLeaseAttrs(attrs(i + j))).lease(id).exec();
    }));
  }
}

async function timed(runs: number, fn: () => Promise<unknown>): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    xs.push(performance.now() - t);
  }
  return pct(xs, 50);
}

async function rss(endpoint: string, leases: number, v8: string[]): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      ...v8,
      new URL("./subnet_rss.ts", import.meta.url).pathname,
      endpoint,
      String(leases),
    ],
    stderr: "inherit",
  }).output();
  const r = JSON.parse(new TextDecoder().decode(out.stdout));
  return `${r.rssStart.toFixed(0)} → ${r.rssHeld.toFixed(0)} MiB (${r.leases} leases; ` +
    `cold first snapshot incl. connect ${ms(r.firstSnapshotMs)})`;
}

async function main(): Promise<void> {
  const [nAcq, nEv, nLeases] = [arg("acquires", 20), arg("events", 1000), arg("leases", 5000)];
  const etcd = await EtcdServer.start();
  const dir = await Deno.makeTempDir({ prefix: "bench-leases-", dir: "/dev/shm" });
  const raw = new Etcd3({ hosts: etcd.endpoint });
  const stores: LeaseStore[] = [];
  try {
    await raw.put("/coreos.com/network/config").value(CONFIG).exec();
    await Deno.writeTextFile(`${dir}/config`, CONFIG);
    const es = await createEtcdStore({ endpoints: [etcd.endpoint] });
    const ls: LocalStore = await createLocalStore({ dir });
    stores.push(es, ls);
    const acqE = await acquireBench(es, raw, nAcq);
    const acqL = await acquireBench(ls, null, nAcq);
    console.log(
      `acquire (median of ${nAcq}): etcd ours ${ms(acqE.ours)}, raw grant+txn ${
        ms(acqE.bare)
      }; local ${ms(acqL.ours)}`,
    );
    const ev = await etcdEventBench(etcd, es, nEv);
    console.log(
      `etcd event put→callback over ${nEv}: ours p50 ${ms(pct(ev.ours, 50))} p99 ${
        ms(pct(ev.ours, 99))
      }; raw etcd3 watcher p50 ${ms(pct(ev.raw, 50))} p99 ${ms(pct(ev.raw, 99))}`,
    );
    const lev = await localEventBench(dir, nEv);
    console.log(
      `local event write→callback over ${nEv}: ours p50 ${ms(pct(lev.ours, 50))} p99 ${
        ms(pct(lev.ours, 99))
      }; bare Deno.watchFs p50 ${ms(pct(lev.raw, 50))} p99 ${ms(pct(lev.raw, 99))}`,
    );
    await raw.delete().prefix(DIR).exec();
    await populateEtcd(raw, nLeases);
    const listOurs = await timed(10, () => es.listLeases());
    const listRaw = await timed(10, () => raw.getAll().prefix(DIR).exec());
    const ctl = await timed(5, () => etcd.etcdctl("get", "--prefix", DIR));
    console.log(
      `list+parse ${nLeases} (median of 10): ours ${ms(listOurs)}, raw range (no parse) ${
        ms(listRaw)
      }, etcdctl get --prefix (process) ${ms(ctl)}`,
    );
    console.log(
      `agent RSS holding ${nLeases} (default V8): ${await rss(etcd.endpoint, nLeases, [])}`,
    );
    console.log(
      `agent RSS holding ${nLeases} (--max-semi-space-size=2): ${await rss(etcd.endpoint, nLeases, [
        "--v8-flags=--max-semi-space-size=2",
      ])}`,
    );
    for (let i = 0; i < nLeases; i++) {
      await ls.createLease({ subnet: subnetOf(100_000 + i), ipv6Subnet: null }, attrs(i), 86400);
    }
    const listLocal = await timed(10, () => ls.listLeases());
    console.log(`local list+parse ${nLeases} (+${nAcq} acquired, median of 10): ${ms(listLocal)}`);
  } finally {
    for (const s of stores) await s.close();
    raw.close();
    await etcd.close();
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) await main();
