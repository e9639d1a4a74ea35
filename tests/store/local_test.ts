import { assert, assertEquals, assertRejects, assertStringIncludes } from "../harness/assert.ts";
import { type Backing, RESET_GRACE_TEST_MS, runConformance, WatchReader } from "./conformance.ts";
import { createLocalStore, type LocalStoreOptions } from "../../store/local.ts";
import { ConfigNotFoundError } from "../../mod/subnet/store.ts";
import { parseCIDR, parseIP } from "../../mod/ip/mod.ts";
import { NotRegularFileError } from "../../mod/regular_file.ts";
import { createLogger } from "../../mod/log.ts";
import { PolicySubnetManager } from "../../mod/subnet/policy.ts";
import { makeFifo, unblockAfter } from "../harness/fifo.ts";

const attrs = (ip: string) => ({ publicIP: parseIP(ip), publicIPv6: null, backendType: "" });

const REPO = new URL("../../", import.meta.url).pathname;

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

/** A fresh lease directory; raw writes are what an operator (or a script) would do by hand. */
async function backing(extra: Partial<LocalStoreOptions> = {}): Promise<Backing> {
  const dir = await Deno.makeTempDir({ prefix: "leases-" });
  const value = (name: string) => `${dir}/subnets/${name}`;
  const expiry = (name: string) => `${dir}/expiry/${name}`;
  const open = () =>
    createLocalStore({ dir, rescanMs: 1000, resetGraceMs: RESET_GRACE_TEST_MS, ...extra });
  await (await open()).close(); // creates the folders
  return {
    open,
    async putRaw(name, text, ttl) {
      if (ttl === null) await Deno.remove(expiry(name)).catch(() => {});
      else await Deno.writeTextFile(expiry(name), new Date(Date.now() + ttl * 1000).toISOString());
      await Deno.writeTextFile(value(name), text);
    },
    readRaw: (name) => Deno.readTextFile(value(name)).catch(() => null),
    async ttlOf(name) {
      if (!(await exists(value(name)))) return undefined;
      const t = await Deno.readTextFile(expiry(name)).catch(() => null);
      return t === null ? null : (Date.parse(t.trim()) - Date.now()) / 1000;
    },
    setConfig: (text) => Deno.writeTextFile(`${dir}/config`, text),
    compact: () => Promise.resolve(), // no history to compact: watches always start with a snapshot
    wipe: () => Deno.remove(dir, { recursive: true }),
    minTtlSeconds: 1,
    close: () => Deno.remove(dir, { recursive: true }),
  };
}

Deno.test("local store passes the conformance suite", async (t) => {
  await runConformance(t, () => backing());
});

Deno.test("local store passes the conformance suite on rescans alone (no revision checks)", async (t) => {
  await runConformance(t, () => backing({ pollMs: 0, rescanMs: 100 }));
});

Deno.test("local store: config from its own file; a missing one is ConfigNotFoundError", async () => {
  const dir = await Deno.makeTempDir({ prefix: "leases-" });
  try {
    const store = await createLocalStore({ dir, configFile: `${dir}/net-conf.json` });
    await assertRejects(() => store.getNetworkConfig(), ConfigNotFoundError, "net-conf.json");
    await Deno.writeTextFile(`${dir}/net-conf.json`, '{"Network":"10.5.0.0/16"}');
    assertEquals(await store.getNetworkConfig(), '{"Network":"10.5.0.0/16"}');
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("local store: expired leases and orphan expiry files are swept from disk", async () => {
  const b = await backing();
  const store = await b.open();
  try {
    const sn = { subnet: parseCIDR("10.5.1.0/24"), ipv6Subnet: null };
    await store.createLease(
      sn,
      { publicIP: parseIP("1.2.3.4"), publicIPv6: null, backendType: "" },
      1,
    );
    const dir = store.name.slice("local ".length);
    await Deno.writeTextFile(`${dir}/expiry/10.5.2.0-24`, new Date().toISOString());
    await new Promise((r) => setTimeout(r, 1100));
    assertEquals((await store.listLeases()).leases, []);
    assertEquals(await exists(`${dir}/subnets/10.5.1.0-24`), false);
    assertEquals(await exists(`${dir}/expiry/10.5.1.0-24`), false);
    assertEquals(await exists(`${dir}/expiry/10.5.2.0-24`), false);
    // The name is free again.
    await store.createLease(
      sn,
      { publicIP: parseIP("1.2.3.5"), publicIPv6: null, backendType: "" },
      60,
    );
  } finally {
    await store.close();
    await b.close();
  }
});

Deno.test("local store: a FIFO and a directory under subnets/ are skipped; a lease is still acquired", async () => {
  const b = await backing();
  const store = await b.open();
  const dir = store.name.slice("local ".length);
  const fifo = `${dir}/subnets/10.5.1.0-24`;
  await makeFifo(fifo);
  const stop = unblockAfter([fifo], 2000); // a reader stuck on the FIFO gets "" instead of hanging
  try {
    Deno.mkdirSync(`${dir}/subnets/10.5.2.0-24`);
    Deno.mkdirSync(`${dir}/expiry/10.5.3.0-24/x`, { recursive: true });
    await b.setConfig('{"Network":"10.5.0.0/16","SubnetMin":"10.5.1.0","SubnetMax":"10.5.4.0"}');
    const list = await store.listLeases();
    assertEquals(list.leases, []);
    assertEquals(list.skipped.map((s) => s.key).sort(), ["10.5.1.0-24", "10.5.2.0-24"]);
    // Picks 10.5.1, .2, .3 (each taken by something odd: a conflict, retried), then .4.
    const picks = [0, 0.3, 0.6, 0.9];
    const sm = new PolicySubnetManager({ store, random: () => picks.shift() ?? 0.9 });
    const signal = new AbortController().signal;
    const l = await sm.acquireLease(await sm.getNetworkConfig(), attrs("198.18.0.1"), signal);
    assertEquals(String(l.subnet), "10.5.4.0/24", "the one name nothing odd sits on");
    assertEquals(picks, [], "three conflicts before");
    assert(Deno.lstatSync(fifo).isFifo && Deno.statSync(`${dir}/expiry/10.5.3.0-24`).isDirectory);
  } finally {
    await stop();
    await store.close();
    await b.close();
  }
});

Deno.test("local store: a config path that is a FIFO or a directory is an error, never a hang", async () => {
  const dir = await Deno.makeTempDir({ prefix: "leases-" });
  const fifo = `${dir}/net-conf.json`;
  await makeFifo(fifo);
  const stop = unblockAfter([fifo], 2000);
  try {
    const store = await createLocalStore({ dir, configFile: fifo });
    await assertRejects(() => store.getNetworkConfig(), NotRegularFileError, "is a FIFO");
    const other = await createLocalStore({ dir, configFile: `${dir}/subnets` });
    await assertRejects(() => other.getNetworkConfig(), NotRegularFileError, "is a directory");
  } finally {
    await stop();
    await Deno.remove(dir, { recursive: true });
  }
});

const CHILD = `
import { createLocalStore } from "${REPO}store/local.ts";
import { PolicySubnetManager } from "${REPO}mod/subnet/policy.ts";
import { parseIP } from "${REPO}mod/ip/mod.ts";
const [dir, base] = Deno.args;
const out = await Promise.all([1, 2, 3, 4, 5].map(async (i) => {
  const store = await createLocalStore({ dir });
  const sm = new PolicySubnetManager({ store });
  const attrs = { publicIP: parseIP(\`198.18.\${base}.\${i}\`), publicIPv6: null, backendType: "" };
  const l = await sm.acquireLease(await sm.getNetworkConfig(), attrs, new AbortController().signal);
  return String(l.subnet);
}));
console.log(JSON.stringify(out));
`;

Deno.test("local store: four processes sharing one directory get 20 distinct subnets", async () => {
  const b = await backing();
  const store = await b.open();
  const dir = store.name.slice("local ".length);
  const w = new WatchReader(store, 0);
  try {
    await b.setConfig('{"Network":"10.5.0.0/16","SubnetMin":"10.5.1.0","SubnetMax":"10.5.24.0"}');
    await w.next();
    const children = [1, 2, 3, 4].map((base) =>
      new Deno.Command(Deno.execPath(), {
        args: ["eval", "--no-check", CHILD, dir, String(base)],
        cwd: REPO,
        stdout: "piped",
        stderr: "piped",
      }).output()
    );
    const outs = await Promise.all(children);
    const got = outs.flatMap((o) => {
      assert(o.success, new TextDecoder().decode(o.stderr));
      return JSON.parse(new TextDecoder().decode(o.stdout)) as string[];
    });
    assertEquals(new Set(got).size, 20);
    const listed = (await store.listLeases()).leases.map((l) => String(l.subnet)).sort();
    assertEquals(listed, [...got].sort());
    // The watcher in this process saw all of them.
    const seen = new Set<string>();
    while (seen.size < 20) {
      const r = await w.next();
      if (r.kind === "events") { for (const e of r.events) seen.add(String(e.lease.subnet)); }
    }
    assertEquals([...seen].sort(), listed);
  } finally {
    await w.close();
    await store.close();
    await b.close();
  }
});

const FIFO_CHILD = `
import { createLocalStore } from "${REPO}store/local.ts";
import { parseCIDR, parseIP } from "${REPO}mod/ip/mod.ts";
const [dir] = Deno.args;
const store = await createLocalStore({ dir, rescanMs: 1000 });
const stop = new AbortController();
const it = store.watchLeases(0, stop.signal)[Symbol.asyncIterator]();
await it.next(); // the snapshot
await new Deno.Command("mkfifo", { args: [\`\${dir}/subnets/10.5.9.0-24\`] }).output();
const sn = { subnet: parseCIDR("10.5.1.0/24"), ipv6Subnet: null };
await store.createLease(sn, { publicIP: parseIP("1.2.3.4"), publicIPv6: null, backendType: "" }, 60);
for (;;) {
  const r = await it.next();
  if (r.value?.kind === "events" && r.value.events.length > 0) break;
}
console.log("seen");
stop.abort();
await it.return?.();
console.log("closed");
`;

Deno.test("local store: a FIFO appearing under a watched subnets/ neither stops the watch nor its close", async () => {
  const dir = await Deno.makeTempDir({ prefix: "leases-" });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-check", FIFO_CHILD, dir],
    cwd: REPO,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const out = child.output();
  try {
    // Bound for a frozen child (a correct one ends in well under a second): 8 rescans.
    const ended = await Promise.race([out, new Promise((r) => setTimeout(r, 8000, null))]);
    assert(ended !== null, "the watch process never ended: frozen on the FIFO");
    const o = ended as Deno.CommandOutput;
    assertEquals(
      new TextDecoder().decode(o.stdout),
      "seen\nclosed\n",
      new TextDecoder().decode(o.stderr),
    );
    assertEquals(o.code, 0);
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* it ended */ }
    await out;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("local store: a bad entry present at start is logged once, not by both the list and the watch", async () => {
  const b = await backing();
  const store = await b.open();
  const dir = store.name.slice("local ".length);
  const stop = new AbortController();
  try {
    await b.setConfig('{"Network":"10.5.0.0/16"}');
    Deno.mkdirSync(`${dir}/subnets/10.5.2.0-24`);
    await b.putRaw("10.5.3.0-24", "not json", null);
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l.slice(l.indexOf("] ") + 2, -1)) });
    const sm = new PolicySubnetManager({ store, log });
    const it = sm.watchLeases(stop.signal)[Symbol.asyncIterator](); // as the agent: watch first
    const first = it.next();
    await sm.acquireLease(await sm.getNetworkConfig(), attrs("198.18.0.1"), stop.signal);
    await first;
    const second = it.next(); // the store's own snapshot, then our create
    await second;
    const bad = lines.filter((l) => l.startsWith("Ignoring bad subnet node"));
    assertEquals(bad.map((l) => l.slice(0, l.indexOf(": "))).sort(), [
      'Ignoring bad subnet node "10.5.2.0-24"',
      'Ignoring bad subnet node "10.5.3.0-24"',
    ]);
    assertStringIncludes(bad.join("\n"), "it is a directory, not a regular file");
    stop.abort();
    await it.return?.();
  } finally {
    stop.abort();
    await store.close();
    await b.close();
  }
});

Deno.test("local store: a lease file removed by hand (no store change) is lost data, not a removal", async () => {
  const dir = await Deno.makeTempDir({ prefix: "leases-" });
  const store = await createLocalStore({ dir, rescanMs: 100, pollMs: 0, resetGraceMs: 300 });
  const sn = (i: number) => ({ subnet: parseCIDR(`10.5.${i}.0/24`), ipv6Subnet: null });
  const attrs = { publicIP: parseIP("1.2.3.4"), publicIPv6: null, backendType: "" };
  const all = new WatchReader(store, 0);
  const own = new WatchReader(store, 0, { subnets: sn(1) });
  try {
    await store.createLease(sn(1), attrs, 600);
    await store.createLease(sn(2), attrs, 600);
    assertEquals((await all.next()).kind, "snapshot");
    assertEquals((await own.next()).kind, "snapshot");
    await Deno.remove(`${dir}/subnets/10.5.1.0-24`);
    const r = await all.next();
    assert(r.kind === "snapshot" && r.reset === true, JSON.stringify(r));
    assertEquals(r.leases.map((l) => String(l.subnet)), ["10.5.2.0/24"]);
    const o = await own.next();
    assert(o.kind === "snapshot" && o.reset === true && o.leases.length === 0, JSON.stringify(o));
    const plain = await all.next();
    assert(plain.kind === "snapshot" && plain.reset === undefined, JSON.stringify(plain));
    // A deletion through the store bumps the revision: an ordinary removal.
    await store.deleteLease(sn(2));
    const ev = await all.next();
    assert(ev.kind === "events", JSON.stringify(ev));
    assertEquals(ev.events.map((e) => `${e.type} ${e.lease.subnet}`), ["removed 10.5.2.0/24"]);
  } finally {
    await all.close();
    await own.close();
    await Deno.remove(dir, { recursive: true });
  }
});
