/**
 * The repair loop with the real trigger, reconciler and vxlan backend over a kernel that sends
 * notifications the way the real one does (our own changes included), on a fake clock: what
 * someone else breaks is repaired by one early pass, and our own passes never call for another.
 */
import { assert, assertEquals, assertStringIncludes } from "../../harness/assert.ts";
import { EventedKernel } from "../../harness/evented_kernel.ts";
import { FakeClock } from "../../harness/fake_clock.ts";
import { lease } from "../../harness/leases.ts";
import { vxlan } from "../../../backends/vxlan.ts";
import type { ExternalInterface } from "../../../backends/contract.ts";
import { repairLoop } from "../../../mod/agent/repair_loop.ts";
import { loadNetworkConfig } from "../../../mod/config/net_conf.ts";
import { parseCIDR, parseIP } from "../../../mod/ip/mod.ts";
import { createLogger, silentLogger } from "../../../mod/log.ts";
import { RTPROT_FLANNEL } from "../../../mod/reconcile/diff.ts";
import { Reconciler } from "../../../mod/reconcile/reconciler.ts";

const NO_HINTS = { macV4: null, macV6: null, publicIP: null, publicIPv6: null };
const iface: ExternalInterface = {
  name: "eth0",
  index: 2,
  mtu: 1500,
  addr4: parseIP("198.18.0.1"),
  addr6: null,
  extAddr4: parseIP("198.18.0.1"),
  extAddr6: null,
  onLink: [parseCIDR("198.18.0.0/24")],
};
const peer = (i: number) =>
  lease({
    subnet: `10.244.${i}.0/24`,
    publicIP: `198.18.0.${i}`,
    backendData: { VNI: 1, VtepMAC: `aa:00:00:00:00:0${i}` },
  });
const KEYS = [
  "fdb flannel.1 aa:00:00:00:00:02",
  "fdb flannel.1 aa:00:00:00:00:03",
  "neigh flannel.1 10.244.2.0",
  "neigh flannel.1 10.244.3.0",
  "route 10.244.2.0/24",
  "route 10.244.3.0/24",
];
/** Ten seconds of fake time, well inside the 60 s periodic interval. */
async function quiet(clock: FakeClock) {
  for (let i = 0; i < 5; i++) await clock.tick(2000);
}

async function start(opts: { failSubscribe?: number } = {}) {
  const clock = new FakeClock();
  const kernel = new EventedKernel(() => clock.now());
  kernel.failSubscribe = opts.failSubscribe ?? 0;
  const lines: string[] = [];
  const logger = createLogger({ write: (l) => lines.push(l), nowMicros: () => 0, pid: 1 });
  const config = loadNetworkConfig(`{"Network":"10.244.0.0/16","Backend":{"Type":"vxlan"}}`);
  const b = vxlan.create(vxlan.parseConfig({}), {
    devices: kernel,
    randomBytes: (n) => new Uint8Array(n).fill(7),
  });
  const env = { config, iface, lease: lease({ subnet: "10.244.1.0/24" }), hints: NO_HINTS };
  let prepared = await b.prepare({ ...env, logger: silentLogger });
  const reconciler = new Reconciler({
    kernel,
    scope: { devices: prepared.devices, networks: [config.network!], protocol: RTPROT_FLANNEL },
    clock,
    logger,
    intervalMs: 60_000,
    ensure: async () => void (prepared = await b.prepare({ ...env, logger: silentLogger })),
  });
  for (const i of [2, 3]) reconciler.setGroup(`${i}`, prepared.desiredState([peer(i)]));
  await reconciler.fullPass();
  const ctl = new AbortController();
  const loops = Promise.all([
    reconciler.run(ctl.signal),
    repairLoop({
      events: kernel.events,
      reconciler,
      devices: () => prepared.devices,
      clock,
      logger,
      signal: ctl.signal,
    }),
  ]);
  await clock.tick(0);
  const passes = kernel.scans.length;
  const stop = async () => {
    ctl.abort();
    await loops;
  };
  return { clock, kernel, reconciler, lines, passes, stop };
}

const repairs = (lines: string[]) => lines.filter((l) => l.includes("Kernel state changed"));

Deno.test("repairLoop() repairs a deleted flannel.1 with one pass, and that pass calls for no other", async () => {
  const { clock, kernel, lines, passes, stop } = await start();
  try {
    assertEquals(kernel.keys(), KEYS);
    const mac = kernel.links.get("flannel.1")!.mac;
    await kernel.deleteLink("flannel.1"); // `ip link del flannel.1` by someone else
    await clock.tick(0); // the events are read now
    await clock.tick(149);
    assertEquals(kernel.scans.length, passes, "debounced");
    assertEquals(kernel.entries.size, 0);
    await clock.tick(1);
    assertEquals(kernel.scans.length, passes + 1);
    assertEquals(kernel.keys(), KEYS, "device and all its entries back");
    assertEquals(kernel.links.get("flannel.1")?.up, true);
    assertEquals(kernel.links.get("flannel.1")?.mac, mac);
    await quiet(clock);
    assertEquals(kernel.scans.length, passes + 1, "the repair's own events asked for nothing");
    const logged = repairs(lines);
    assertEquals(logged.length, 1, lines.join("\n"));
    assertStringIncludes(
      logged[0]!,
      `Kernel state changed: device "flannel.1" deleted, device "flannel.1" went down, `,
    );
    assertStringIncludes(logged[0]!, "; running a full reconcile");
  } finally {
    await stop();
  }
});

Deno.test("repairLoop() repairs a deleted route, neighbour and FDB entry, one pass each", async (t) => {
  const { clock, kernel, passes, stop } = await start();
  try {
    const keys = ["route 10.244.2.0/24", "neigh flannel.1 10.244.3.0", KEYS[0]!];
    for (const [i, key] of keys.entries()) {
      await t.step(key, async () => {
        kernel.foreignDelete(key);
        await clock.tick(0);
        await clock.tick(150);
        assertEquals(kernel.keys(), KEYS);
        await quiet(clock);
        assertEquals(kernel.scans.length, passes + i + 1);
      });
    }
  } finally {
    await stop();
  }
});

Deno.test("repairLoop() under a storm: passes start at least 500 ms apart, then it goes quiet", async () => {
  const { clock, kernel, passes, stop } = await start();
  try {
    const key = "neigh flannel.1 10.244.2.0";
    const t0 = clock.now();
    for (let i = 0; i < 20; i++) { // someone deletes our neighbour every 100 ms for 2 s
      if (kernel.entries.has(key)) kernel.foreignDelete(key);
      await clock.tick(0);
      await clock.tick(100);
    }
    const starts = kernel.scans.slice(passes).map((t) => t - t0);
    assert(starts.length >= 3 && starts.length <= 4, `passes at ${starts}`);
    for (let i = 1; i < starts.length; i++) {
      assert(starts[i]! - starts[i - 1]! >= 500, `passes at ${starts}`);
    }
    await quiet(clock);
    assertEquals(kernel.keys(), KEYS);
    const after = kernel.scans.length;
    await quiet(clock);
    assertEquals(kernel.scans.length, after);
  } finally {
    await stop();
  }
});

Deno.test("repairLoop() ignores our own lease changes: pruning and adding entries call for no pass", async () => {
  const { clock, kernel, reconciler, passes, lines, stop } = await start();
  try {
    reconciler.deleteGroup("3");
    await reconciler.flush();
    await clock.tick(200);
    reconciler.setGroup("3", [
      { kind: "route", dst: parseCIDR("10.244.3.0/24"), gateway: null, dev: "eth0", onlink: false },
    ]);
    await reconciler.flush();
    await quiet(clock);
    assertEquals(kernel.scans.length, passes);
    assertEquals(repairs(lines), []);
  } finally {
    await stop();
  }
});

Deno.test("repairLoop(): lost events re-read the links and cost one pass", async () => {
  const { clock, kernel, passes, stop } = await start();
  try {
    kernel.entries.delete("route 10.244.2.0/24"); // its event was lost
    kernel.emit({ kind: "overflow" });
    await clock.tick(0);
    await clock.tick(150);
    assertEquals(kernel.scans.length, passes + 1);
    assertEquals(kernel.keys(), KEYS);
  } finally {
    await stop();
  }
});

Deno.test("repairLoop(): a subscription that fails is retried with backoff, requesting no pass", async () => {
  const { clock, kernel, lines, passes, stop } = await start({ failSubscribe: 2 });
  try {
    assertEquals(kernel.feeds.size, 0);
    await clock.tick(1000);
    assertEquals(kernel.feeds.size, 0, "second attempt failed too");
    await clock.tick(2000);
    assertEquals(kernel.feeds.size, 1, "third attempt, after 1 s then 2 s");
    assertEquals(kernel.scans.length, passes);
    const warned = lines.filter((l) => l.includes("Cannot watch kernel events: socket: EPERM"));
    assertEquals(warned.length, 2);
    kernel.foreignDelete("route 10.244.3.0/24");
    await clock.tick(0);
    await clock.tick(150);
    assertEquals(kernel.keys(), KEYS);
  } finally {
    await stop();
  }
});

Deno.test("repairLoop() closes its subscription when the signal aborts", async () => {
  const { kernel, stop } = await start();
  const [feed] = [...kernel.feeds];
  await stop();
  assert(feed!.closed);
  assertEquals(kernel.feeds.size, 0);
});
