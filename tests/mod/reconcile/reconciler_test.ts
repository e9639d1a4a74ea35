import { assert, assertEquals } from "../../harness/assert.ts";
import { FakeKernel } from "../../harness/fake_kernel.ts";
import { FakeClock } from "../../harness/fake_clock.ts";
import { Reconciler } from "../../../mod/reconcile/reconciler.ts";
import { RTPROT_FLANNEL, RTPROT_KERNEL } from "../../../mod/reconcile/diff.ts";
import type { Entry } from "../../../mod/reconcile/entries.ts";
import { createLogger } from "../../../mod/log.ts";
import { parseCIDR, parseIP } from "../../../mod/ip/mod.ts";

const scope = {
  devices: ["flannel.1"],
  networks: [parseCIDR("10.244.0.0/16")],
  protocol: RTPROT_FLANNEL,
};

function peer(i: number): Entry[] {
  const mac = `aa:00:00:00:00:${i.toString(16).padStart(2, "0")}`;
  const ip = parseIP(`10.244.${i}.0`);
  return [
    { kind: "neigh", dev: "flannel.1", ip, mac },
    { kind: "fdb", dev: "flannel.1", mac, dst: parseIP(`198.18.0.${i}`) },
    {
      kind: "route",
      dst: parseCIDR(`10.244.${i}.0/24`),
      gateway: ip,
      dev: "flannel.1",
      onlink: true,
    },
  ];
}

function setup(opts: { ensure?: () => Promise<void> } = {}) {
  const kernel = new FakeKernel();
  kernel.links.set("flannel.1", {
    index: 5,
    name: "flannel.1",
    kind: "vxlan",
    mtu: 1450,
    mac: "",
    up: true,
  });
  const clock = new FakeClock();
  const lines: string[] = [];
  const logger = createLogger({ write: (l) => lines.push(l), nowMicros: () => 0, pid: 1 });
  const rec = new Reconciler({ kernel, scope, clock, logger, intervalMs: 10_000, ...opts });
  return { kernel, clock, rec, lines };
}

Deno.test("Reconciler.flush() applies a group's entries in one batch, then nothing", async () => {
  const { kernel, rec } = setup();
  rec.setGroup("a", peer(2));
  rec.setGroup("b", peer(3));
  assertEquals(await rec.flush(), { replaced: 6, deleted: 0, failed: 0 });
  assertEquals(kernel.batches.length, 1);
  assertEquals(kernel.batches[0]!.map((o) => o.entry.kind), [
    "neigh",
    "neigh",
    "fdb",
    "fdb",
    "route",
    "route",
  ]);
  rec.setGroup("a", peer(2)); // unchanged: nothing to do
  assertEquals(await rec.flush(), { replaced: 0, deleted: 0, failed: 0 });
  assertEquals(kernel.entries.size, 6);
});

Deno.test("Reconciler.deleteGroup() removes only that group's entries", async () => {
  const { kernel, rec } = setup();
  rec.setGroup("a", peer(2));
  rec.setGroup("b", peer(3));
  await rec.flush();
  rec.deleteGroup("a");
  assertEquals(await rec.flush(), { replaced: 0, deleted: 3, failed: 0 });
  assertEquals(kernel.keys(), [
    "fdb flannel.1 aa:00:00:00:00:03",
    "neigh flannel.1 10.244.3.0",
    "route 10.244.3.0/24",
  ]);
  assertEquals(rec.groups(), ["b"]);
});

Deno.test("Reconciler.setGroup() replaces changed entries and drops vanished ones", async () => {
  const { kernel, rec } = setup();
  rec.setGroup("a", peer(2));
  await rec.flush();
  const moved = peer(2).map((e) => e.kind === "fdb" ? { ...e, dst: parseIP("198.18.0.99") } : e);
  rec.setGroup("a", moved.filter((e) => e.kind !== "neigh"));
  assertEquals(await rec.flush(), { replaced: 1, deleted: 1, failed: 0 });
  const fdb = kernel.entries.get("fdb flannel.1 aa:00:00:00:00:02")!.entry;
  assertEquals(fdb.kind === "fdb" && fdb.dst.toString(), "198.18.0.99");
});

Deno.test("Reconciler.fullPass() repairs drift and prunes stale entries", async () => {
  const { kernel, rec } = setup();
  rec.setGroup("a", peer(2));
  await rec.flush();
  for (const e of peer(9)) kernel.put(e); // a lease that vanished while we were down
  kernel.entries.delete("route 10.244.2.0/24"); // someone deleted our route
  kernel.put({
    kind: "route",
    dst: parseCIDR("10.244.50.0/24"),
    gateway: parseIP("198.18.0.50"),
    dev: "eth0",
    onlink: false,
  }, { protocol: 3 }); // the operator's route: not ours
  assertEquals(await rec.fullPass(), { replaced: 1, deleted: 3, failed: 0 });
  assertEquals(kernel.keys(), [
    "fdb flannel.1 aa:00:00:00:00:02",
    "neigh flannel.1 10.244.2.0",
    "route 10.244.2.0/24",
    "route 10.244.50.0/24",
  ]);
});

Deno.test("Reconciler.fullPass() runs ensure first, so a deleted device comes back whole", async () => {
  let ensured = 0;
  const ctx = setup({
    ensure: () => {
      ensured++;
      ctx.kernel.links.set("flannel.1", {
        index: 6,
        name: "flannel.1",
        kind: "vxlan",
        mtu: 1450,
        mac: "",
        up: true,
      });
      return Promise.resolve();
    },
  });
  ctx.rec.setGroup("a", peer(2));
  await ctx.rec.flush();
  await ctx.kernel.deleteLink("flannel.1");
  assertEquals(ctx.kernel.entries.size, 0);
  assertEquals(await ctx.rec.fullPass(), { replaced: 3, deleted: 0, failed: 0 });
  assertEquals(ensured, 1);
  assertEquals(ctx.kernel.entries.size, 3);
});

Deno.test("Reconciler retries a failed entry alone, with backoff, and logs once per batch", async () => {
  const { kernel, clock, rec, lines } = setup();
  kernel.failing.set("route 10.244.2.0/24", 2);
  rec.setGroup("a", peer(2));
  assertEquals(await rec.flush(), { replaced: 2, deleted: 0, failed: 1 });
  assertEquals(lines.length, 1);
  assert(lines[0]!.includes("1 of 3 changes failed"), lines[0]);
  assertEquals(await rec.flush(), { replaced: 0, deleted: 0, failed: 0 }); // not due yet
  clock.advance(100);
  assertEquals(await rec.flush(), { replaced: 0, deleted: 0, failed: 1 });
  assertEquals(kernel.batches.at(-1)!.length, 1);
  clock.advance(150); // second backoff is 200 ms
  assertEquals(await rec.flush(), { replaced: 0, deleted: 0, failed: 0 });
  clock.advance(50);
  assertEquals(await rec.flush(), { replaced: 1, deleted: 0, failed: 0 });
  assertEquals(kernel.entries.size, 3);
});

Deno.test("Reconciler survives a kernel that throws", async () => {
  const { kernel, rec, lines } = setup();
  kernel.apply = () => Promise.reject(new Error("netlink socket closed"));
  kernel.read = () => Promise.reject(new Error("dump interrupted"));
  rec.setGroup("a", peer(2));
  assertEquals(await rec.flush(), { replaced: 0, deleted: 0, failed: 3 });
  assertEquals(await rec.fullPass(), { replaced: 0, deleted: 0, failed: 0 });
  assert(lines.some((l) => l.includes("could not read kernel state: dump interrupted")));
});

Deno.test("Reconciler.run() makes a full pass every interval and stops on abort", async () => {
  const { kernel, clock, rec } = setup();
  rec.setGroup("a", peer(2));
  await rec.flush();
  const ctl = new AbortController();
  const done = rec.run(ctl.signal);
  kernel.entries.clear();
  await clock.tick(9_999);
  assertEquals(kernel.entries.size, 0);
  await clock.tick(1);
  assertEquals(kernel.entries.size, 3);
  kernel.entries.clear();
  await clock.tick(10_000);
  assertEquals(kernel.entries.size, 3);
  ctl.abort();
  await done;
});

Deno.test("Reconciler.requestPass() waits for run(), then passes at once and restarts the interval", async () => {
  const { kernel, clock, rec } = setup();
  rec.setGroup("a", peer(2));
  await rec.flush();
  kernel.entries.clear();
  rec.requestPass(); // before run(): held (no pass before the first lease snapshot)
  await clock.tick(0);
  assertEquals(kernel.entries.size, 0);
  const ctl = new AbortController();
  const done = rec.run(ctl.signal);
  await clock.tick(0);
  assertEquals(kernel.entries.size, 3, "the held request runs as soon as run() starts");
  await clock.tick(6_000);
  kernel.entries.clear();
  rec.requestPass();
  await clock.tick(0);
  assertEquals(kernel.entries.size, 3, "a request wakes the sleeping loop");
  kernel.entries.clear();
  await clock.tick(9_999);
  assertEquals(kernel.entries.size, 0, "the periodic pass counts from the requested one");
  await clock.tick(1);
  assertEquals(kernel.entries.size, 3);
  ctl.abort();
  await done;
});

const route = (dst: string, gw: string | null, dev: string, onlink: boolean): Entry => ({
  kind: "route",
  dst: parseCIDR(dst),
  gateway: gw === null ? null : parseIP(gw),
  dev,
  onlink,
});

Deno.test("Reconciler.fullPass() never replaces a connected route, says so once", async () => {
  const { kernel, rec, lines } = setup();
  const connected = route("10.244.9.0/24", null, "br9", false);
  kernel.put(connected, { protocol: RTPROT_KERNEL });
  rec.setGroup("a", [route("10.244.9.0/24", "10.244.9.0", "flannel.1", true)]);
  for (let i = 0; i < 3; i++) await rec.fullPass();
  assertEquals(kernel.entries.get("route 10.244.9.0/24"), {
    entry: connected,
    protocol: RTPROT_KERNEL,
  });
  const said = lines.filter((l) => l.includes("Not replacing"));
  assertEquals(said.length, 1);
  assert(
    said[0]!.endsWith(
      "Not replacing route 10.244.9.0/24 dev br9 proto kernel: it is not flannel's " +
        "(wanted: route 10.244.9.0/24 via 10.244.9.0 dev flannel.1 onlink)\n",
    ),
    said[0],
  );
  // A changed desired entry under that key: the flush skips it too.
  rec.setGroup("a", [route("10.244.9.0/24", "198.18.0.9", "flannel.1", false)]);
  assertEquals(await rec.flush(), { replaced: 0, deleted: 0, failed: 0 });
  assertEquals(kernel.entries.get("route 10.244.9.0/24")?.protocol, RTPROT_KERNEL);
  // Once the connected route is gone, the next pass puts ours in.
  kernel.entries.delete("route 10.244.9.0/24");
  assertEquals((await rec.fullPass()).replaced, 1);
  assertEquals(kernel.entries.get("route 10.244.9.0/24")?.protocol, RTPROT_FLANNEL);
});

Deno.test("Reconciler.flush() skips the keys of connected routes the last pass saw", async () => {
  const { kernel, rec } = setup();
  kernel.put(route("10.244.1.0/24", null, "cni0", false), { protocol: RTPROT_KERNEL });
  await rec.fullPass();
  rec.setGroup("a", [route("10.244.1.0/24", "10.244.1.0", "flannel.1", true), ...peer(2)]);
  assertEquals(await rec.flush(), { replaced: 3, deleted: 0, failed: 0 });
  assertEquals(kernel.entries.get("route 10.244.1.0/24")?.entry.dev, "cni0");
  rec.deleteGroup("a"); // nor is the connected route deleted
  await rec.flush();
  assertEquals(kernel.keys(), ["route 10.244.1.0/24"]);
});

Deno.test("Reconciler.setGroup() never desires a route outside the cluster networks", async () => {
  const { kernel, rec, lines } = setup();
  kernel.put(route("198.18.0.0/24", null, "eth0", false), { protocol: RTPROT_KERNEL });
  rec.setGroup("a", [...peer(2), route("198.18.0.0/24", "198.18.0.0", "flannel.1", true)]);
  assertEquals(rec.size, 3);
  assertEquals(await rec.flush(), { replaced: 3, deleted: 0, failed: 0 });
  assertEquals(kernel.entries.get("route 198.18.0.0/24")?.entry.dev, "eth0");
  assert(
    lines.some((l) =>
      l.includes(
        "Not programming route 198.18.0.0/24 via 198.18.0.0 dev flannel.1 onlink: " +
          "outside the cluster networks",
      )
    ),
  );
});
