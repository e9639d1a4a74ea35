import { assertEquals } from "../../harness/assert.ts";
import { lease, type LeaseSpec } from "../../harness/leases.ts";
import { LeaseWatcher } from "../../../mod/lease/watcher.ts";
import type { LeaseEvent, LeaseWatchResult } from "../../../mod/lease/types.ts";
import { createLogger } from "../../../mod/log.ts";
import { parseCIDR } from "../../../mod/ip/mod.ts";

const A: LeaseSpec = { subnet: "10.3.1.0/24", publicIP: "198.18.0.1" };
const A2: LeaseSpec = { ...A, publicIP: "198.18.0.9" }; // same subnet, new attributes
const B: LeaseSpec = { subnet: "10.3.2.0/24", publicIP: "198.18.0.2" };
const C: LeaseSpec = { subnet: "10.3.3.0/24", publicIP: "198.18.0.3" };
const OWN: LeaseSpec = { subnet: "10.3.9.0/24", publicIP: "198.18.0.99" };
const D6: LeaseSpec = { subnet: "10.3.4.0/24", ipv6Subnet: "fd00:4::/64", publicIP: "198.18.0.4" };
const D6b: LeaseSpec = { subnet: "10.3.4.0/24", ipv6Subnet: "fd00:5::/64", publicIP: "198.18.0.4" };

type Step =
  | { snapshot: LeaseSpec[]; reset?: true }
  | { events: [("added" | "removed"), LeaseSpec][] };

const snap = (...l: LeaseSpec[]): Step => ({ snapshot: l });
/** The snapshot of a store that lost its data. */
const resetSnap = (...l: LeaseSpec[]): Step => ({ snapshot: l, reset: true });
const evs = (...e: [("added" | "removed"), LeaseSpec][]): Step => ({ events: e });

function toResult(s: Step): LeaseWatchResult {
  if ("snapshot" in s) {
    const leases = s.snapshot.map(lease);
    return s.reset ? { kind: "snapshot", leases, reset: true } : { kind: "snapshot", leases };
  }
  return { kind: "events", events: s.events.map(([type, l]) => ({ type, lease: lease(l) })) };
}

/** `added 10.3.1.0/24 198.18.0.1` — what a backend would see. */
function show(e: LeaseEvent): string {
  const net = [e.lease.subnet, e.lease.ipv6Subnet].filter((n) => n !== null).join(",");
  return `${e.type} ${net} ${e.lease.attrs.publicIP}`;
}

const TABLE: { name: string; steps: Step[]; want: string[][] }[] = [
  {
    name: "first snapshot adds every remote lease and hides our own",
    steps: [snap(A, B, OWN)],
    want: [["added 10.3.1.0/24 198.18.0.1", "added 10.3.2.0/24 198.18.0.2"]],
  },
  {
    name: "second snapshot: unchanged lease silent, vanished removed, new added",
    steps: [snap(A, B), snap(A, C)],
    want: [
      ["added 10.3.1.0/24 198.18.0.1", "added 10.3.2.0/24 198.18.0.2"],
      ["added 10.3.3.0/24 198.18.0.3", "removed 10.3.2.0/24 198.18.0.2"],
    ],
  },
  {
    name: "second snapshot never reports our own lease as removed (upstream bug)",
    steps: [snap(A, OWN), snap(A, OWN), snap(A)],
    want: [["added 10.3.1.0/24 198.18.0.1"], [], []],
  },
  {
    name: "snapshot reports changed attributes of a lease that still exists as added",
    steps: [snap(A, B), snap(A2, B)],
    want: [
      ["added 10.3.1.0/24 198.18.0.1", "added 10.3.2.0/24 198.18.0.2"],
      ["added 10.3.1.0/24 198.18.0.9"],
    ],
  },
  {
    name: "an empty event batch (e.g. only skipped garbage) removes nothing (upstream bug)",
    steps: [snap(A, B), evs(), evs(["added", C])],
    want: [
      ["added 10.3.1.0/24 198.18.0.1", "added 10.3.2.0/24 198.18.0.2"],
      [],
      ["added 10.3.3.0/24 198.18.0.3"],
    ],
  },
  {
    name: "an empty snapshot is real and removes everything",
    steps: [snap(A, B), snap()],
    want: [
      ["added 10.3.1.0/24 198.18.0.1", "added 10.3.2.0/24 198.18.0.2"],
      ["removed 10.3.1.0/24 198.18.0.1", "removed 10.3.2.0/24 198.18.0.2"],
    ],
  },
  {
    name: "events: own ignored, renewal re-emits added, removal carries cached attributes",
    steps: [
      snap(A),
      evs(["added", OWN], ["added", A], ["removed", { subnet: A.subnet! }], ["removed", OWN]),
    ],
    want: [
      ["added 10.3.1.0/24 198.18.0.1"],
      ["added 10.3.1.0/24 198.18.0.1", "removed 10.3.1.0/24 198.18.0.1"],
    ],
  },
  {
    name: "removal of an unknown lease passes the bare event through",
    steps: [evs(["removed", { subnet: C.subnet! }])],
    want: [["removed 10.3.3.0/24 null"]],
  },
  {
    name: "added then snapshot without it removes it with the attributes from the event",
    steps: [evs(["added", B]), snap(A)],
    want: [["added 10.3.2.0/24 198.18.0.2"], [
      "added 10.3.1.0/24 198.18.0.1",
      "removed 10.3.2.0/24 198.18.0.2",
    ]],
  },
  {
    name: "dual-stack leases are the same only when both subnets are equal",
    steps: [snap(D6), evs(["removed", { subnet: D6b.subnet!, ipv6Subnet: D6b.ipv6Subnet! }])],
    want: [["added 10.3.4.0/24,fd00:4::/64 198.18.0.4"], ["removed 10.3.4.0/24,fd00:5::/64 null"]],
  },
  {
    name: "a reset snapshot adds and updates but keeps leases it lacks (not re-registered yet)",
    steps: [snap(A, B, C), resetSnap(A2), evs(["added", B]), snap(A2, B)],
    want: [
      [
        "added 10.3.1.0/24 198.18.0.1",
        "added 10.3.2.0/24 198.18.0.2",
        "added 10.3.3.0/24 198.18.0.3",
      ],
      ["added 10.3.1.0/24 198.18.0.9"],
      ["added 10.3.2.0/24 198.18.0.2"],
      ["removed 10.3.3.0/24 198.18.0.3"],
    ],
  },
  {
    name: "an empty reset snapshot removes nothing; two resets in a row still hold",
    steps: [snap(A, B), resetSnap(), resetSnap(B), snap(B)],
    want: [
      ["added 10.3.1.0/24 198.18.0.1", "added 10.3.2.0/24 198.18.0.2"],
      [],
      [],
      ["removed 10.3.1.0/24 198.18.0.1"],
    ],
  },
];

Deno.test("LeaseWatcher folds snapshots and events (table)", async (t) => {
  for (const c of TABLE) {
    await t.step(c.name, () => {
      const w = new LeaseWatcher({ subnet: parseCIDR(OWN.subnet!), ipv6Subnet: null });
      const got = c.steps.map((s) => w.apply(toResult(s)).map(show));
      assertEquals(got, c.want);
    });
  }
});

Deno.test("LeaseWatcher.leases() is the folded set, own lease excluded", () => {
  const w = new LeaseWatcher({ subnet: parseCIDR(OWN.subnet!), ipv6Subnet: null });
  w.reset([A, B, OWN].map(lease));
  w.update([{ type: "removed", lease: lease(B) }, { type: "added", lease: lease(C) }]);
  assertEquals(w.leases().map((l) => String(l.subnet)).sort(), ["10.3.1.0/24", "10.3.3.0/24"]);
});

Deno.test("LeaseWatcher without an own lease reports every lease", () => {
  const w = new LeaseWatcher(null);
  assertEquals(w.reset([lease(OWN)]).map(show), ["added 10.3.9.0/24 198.18.0.99"]);
});

Deno.test("LeaseWatcher logs upstream's line for an unknown removal", () => {
  const lines: string[] = [];
  const log = createLogger({ write: (l) => lines.push(l), pid: 1, nowMicros: () => 0 });
  new LeaseWatcher(null, log).update([{ type: "removed", lease: lease({ subnet: C.subnet! }) }]);
  assertEquals(lines.length, 1);
  assertEquals(
    lines[0]!.slice(lines[0]!.indexOf("] ") + 2),
    "Removed subnet (10.3.3.0/24) and ipv6 subnet (null) were not found\n",
  );
});

Deno.test("LeaseWatcher says how many leases a reset snapshot keeps", () => {
  const lines: string[] = [];
  const log = createLogger({ write: (l) => lines.push(l.slice(l.indexOf("] ") + 2, -1)) });
  const w = new LeaseWatcher(null, log);
  w.reset([A, B, C].map(lease));
  w.reset([lease(B)], { hold: true });
  assertEquals(lines, [
    "The store lost its data: keeping 2 of 3 remote leases until they re-register or the grace period ends",
  ]);
  assertEquals(w.leases().length, 3);
});
