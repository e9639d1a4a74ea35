import { assertEquals } from "../../harness/assert.ts";
import { entryEvent, linkEvent, neighDelEvents } from "../../harness/evented_kernel.ts";
import * as K from "../../../mod/netlink/codec/consts.ts";
import type { RtEvent } from "../../../mod/netlink/events.ts";
import { parseCIDR, parseIP } from "../../../mod/ip/mod.ts";
import { DesiredEntries } from "../../../mod/reconcile/desired.ts";
import type { Entry } from "../../../mod/reconcile/entries.ts";
import { RepairTrigger } from "../../../mod/reconcile/trigger.ts";

const FL = 5; // flannel.1
const ETH0 = 2;

function peer(i: number, dev = "flannel.1"): Entry[] {
  const ip = parseIP(`10.244.${i}.0`);
  const mac = `aa:00:00:00:00:0${i}`;
  return [
    { kind: "neigh", dev, ip, mac },
    { kind: "fdb", dev, mac, dst: parseIP(`198.18.0.${i}`) },
    { kind: "route", dst: parseCIDR(`10.244.${i}.0/24`), gateway: ip, dev, onlink: true },
  ];
}
const [neigh2, fdb2, route2] = peer(2) as [Entry, Entry, Entry];
const [neigh9, , route9] = peer(9) as [Entry, Entry, Entry];
const hostGw3: Entry = {
  kind: "route",
  dst: parseCIDR("10.244.3.0/24"),
  gateway: parseIP("198.18.0.3"),
  dev: "eth0",
  onlink: false,
};

const ours2 = entryEvent("new", neigh2, FL) as Extract<RtEvent, { kind: "neigh" }>;
const reachable2: RtEvent = { ...ours2, body: { ...ours2.body, state: K.NUD_REACHABLE } };

function trigger(opts: { debounceMs?: number; minGapMs?: number } = {}) {
  const desired = new DesiredEntries();
  desired.setGroup("2", peer(2), () => {});
  desired.setGroup("3", [hostGw3], () => {});
  const t = new RepairTrigger(
    { devices: () => ["flannel.1"], wanted: (e) => desired.wanted(e) },
    opts,
  );
  t.reset([
    { index: ETH0, name: "eth0", up: true },
    { index: FL, name: "flannel.1", up: true },
  ]);
  return t;
}

Deno.test("RepairTrigger.update() tells changes that undo our state from everything else", async (t) => {
  const table: [string, RtEvent[], (string | null)[]][] = [
    ["flannel.1 deleted", [linkEvent(K.RTM_DELLINK, FL, "flannel.1", false)], [
      'device "flannel.1" deleted',
    ]],
    ["deleted by index only (name from the snapshot)", [
      linkEvent(K.RTM_DELLINK, FL, undefined, false),
    ], ['device "flannel.1" deleted']],
    ["flannel.1 brought down", [linkEvent(K.RTM_NEWLINK, FL, "flannel.1", false)], [
      'device "flannel.1" went down',
    ]],
    ["still up (an MTU change)", [linkEvent(K.RTM_NEWLINK, FL, "flannel.1", true)], [null]],
    ["a device we create shows up down, then up: no edge", [
      linkEvent(K.RTM_DELLINK, FL, "flannel.1", false),
      linkEvent(K.RTM_NEWLINK, 7, "flannel.1", false),
      linkEvent(K.RTM_NEWLINK, 7, "flannel.1", true),
    ], ['device "flannel.1" deleted', null, null]],
    ["someone else's device deleted or down", [
      linkEvent(K.RTM_NEWLINK, ETH0, "eth0", false),
      linkEvent(K.RTM_DELLINK, ETH0, "eth0", false),
    ], [null, null]],
    ["a bridge-port message for flannel.1", [
      linkEvent(K.RTM_DELLINK, FL, "flannel.1", false, K.AF_BRIDGE),
      linkEvent(K.RTM_NEWLINK, FL, "flannel.1", false, K.AF_BRIDGE),
    ], [null, null]],
    ["a link we never heard of", [linkEvent(K.RTM_DELLINK, 99, undefined, false)], [null]],
    ["desired route, neighbour, FDB entry deleted", [
      entryEvent("del", route2, FL),
      entryEvent("del", neigh2, FL),
      entryEvent("del", fdb2, FL),
    ], [
      "route 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink deleted",
      "neigh 10.244.2.0 lladdr aa:00:00:00:00:02 dev flannel.1 deleted",
      "fdb aa:00:00:00:00:02 dev flannel.1 dst 198.18.0.2 deleted",
    ]],
    [
      "`ip neigh del` of ours: FAILED, then deleted, both without the MAC",
      neighDelEvents(
        neigh2 as Extract<Entry, { kind: "neigh" }>,
        FL,
      ),
      [
        "neigh 10.244.2.0 lladdr aa:00:00:00:00:02 dev flannel.1 changed",
        "neigh 10.244.2.0 lladdr aa:00:00:00:00:02 dev flannel.1 deleted",
      ],
    ],
    [
      "`ip neigh del` of a neighbour nobody wants",
      neighDelEvents(
        neigh9 as Extract<Entry, { kind: "neigh" }>,
        FL,
      ),
      [null, null],
    ],
    ["our neighbour made non-permanent", [reachable2], [
      "neigh 10.244.2.0 lladdr aa:00:00:00:00:02 dev flannel.1 changed",
    ]],
    ["a host-gw route on the external interface deleted", [entryEvent("del", hostGw3, ETH0)], [
      "route 10.244.3.0/24 via 198.18.0.3 dev eth0 deleted",
    ]],
    ["entries nobody wants deleted (our prune)", [
      entryEvent("del", route9, FL),
      entryEvent("del", neigh9, FL),
    ], [null, null]],
    ["a second route under a wanted key, on another device, deleted", [
      entryEvent("del", { ...route2, dev: "eth0" } as Entry, ETH0),
    ], [null]],
    ["our own writes: equal to the desired entries", [
      entryEvent("new", route2, FL),
      entryEvent("new", neigh2, FL),
      entryEvent("new", fdb2, FL),
    ], [null, null, null]],
    ["a desired entry overwritten with something else", [
      entryEvent("new", { ...neigh2, mac: "aa:00:00:00:00:99" } as Entry, FL),
    ], ["neigh 10.244.2.0 lladdr aa:00:00:00:00:02 dev flannel.1 changed"]],
    ["an entry on an unknown ifindex", [entryEvent("del", route2, 42)], [null]],
    ["lost events", [{ kind: "overflow" }], ["kernel events were lost"]],
  ];
  for (const [name, events, want] of table) {
    await t.step(name, () => {
      const tr = trigger();
      assertEquals(events.map((ev) => tr.update(ev, 0)), want);
      assertEquals(tr.dueAt() !== null, want.some((w) => w !== null), "a pass is due");
    });
  }
});

Deno.test("RepairTrigger: FDB entries of the bridge itself (no NTF_SELF) are not ours", () => {
  const tr = trigger();
  const ev = entryEvent("del", fdb2, FL) as Extract<RtEvent, { kind: "neigh" }>;
  assertEquals(tr.update({ ...ev, body: { ...ev.body, flags: K.NTF_MASTER } }, 0), null);
});

Deno.test("RepairTrigger.dueAt() debounces a burst and keeps passes apart", async (t) => {
  const del = entryEvent("del", route2, FL);
  const same = entryEvent("new", route2, FL);
  // [time, event or "take"], then the expected dueAt after each step.
  const table: [string, [number, RtEvent | "take"][], (number | null)[]][] = [
    ["a burst costs one pass, debounceMs after its first event", [
      [1000, del],
      [1040, del],
      [1149, del],
    ], [1150, 1150, 1150]],
    ["ignored events schedule nothing", [[1000, same], [2000, same]], [null, null]],
    ["after a pass: not before minGapMs from its start", [
      [1000, del],
      [1150, "take"],
      [1200, del],
      [1300, del],
    ], [1150, null, 1650, 1650]],
    ["after a quiet spell: debounceMs again", [
      [1000, del],
      [1150, "take"],
      [5000, del],
    ], [1150, null, 5150]],
  ];
  for (const [name, steps, want] of table) {
    await t.step(name, () => {
      const tr = trigger({ debounceMs: 150, minGapMs: 500 });
      const got = steps.map(([now, ev]) => {
        if (ev === "take") tr.take(now);
        else tr.update(ev, now);
        return tr.dueAt();
      });
      assertEquals(got, want);
    });
  }
});

Deno.test("RepairTrigger.take() reports device reasons first, three at most, and clears", () => {
  const tr = trigger();
  tr.update(entryEvent("del", fdb2, FL), 0);
  tr.update(entryEvent("del", neigh2, FL), 0);
  tr.update(linkEvent(K.RTM_NEWLINK, FL, "flannel.1", false), 0);
  tr.update(entryEvent("del", route2, FL), 0);
  tr.update(linkEvent(K.RTM_DELLINK, FL, "flannel.1", false), 0);
  assertEquals(tr.take(150), {
    reasons: [
      'device "flannel.1" deleted',
      'device "flannel.1" went down',
      "fdb aa:00:00:00:00:02 dev flannel.1 dst 198.18.0.2 deleted",
    ],
    more: 2,
  });
  assertEquals(tr.take(700), { reasons: [], more: 0 });
  assertEquals(tr.dueAt(), null);
});

Deno.test("RepairTrigger.reset() replaces the links and keeps a pending pass", () => {
  const tr = trigger();
  tr.update({ kind: "overflow" }, 100);
  tr.reset([{ index: 8, name: "flannel.1", up: true }]); // recreated while events were lost
  assertEquals(tr.dueAt(), 250);
  assertEquals(tr.update(entryEvent("del", neigh2, FL), 120), null, "old index forgotten");
  assertEquals(
    tr.update(linkEvent(K.RTM_NEWLINK, 8, undefined, false), 130),
    'device "flannel.1" went down',
  );
});
