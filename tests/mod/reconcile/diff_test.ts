import { assert, assertEquals } from "../../harness/assert.ts";
import fc from "fast-check";
import {
  diff,
  Differ,
  isOwned,
  type Observed,
  RTPROT_FLANNEL,
  RTPROT_KERNEL,
} from "../../../mod/reconcile/diff.ts";
import { isForeignRoute, type Scope } from "../../../mod/reconcile/ownership.ts";
import { describeEntry, type Entry, entryKey } from "../../../mod/reconcile/entries.ts";
import { parseCIDR, parseIP } from "../../../mod/ip/mod.ts";

const scope: Scope = {
  devices: ["flannel.1"],
  networks: [parseCIDR("10.244.0.0/16")],
  protocol: RTPROT_FLANNEL,
};
const r = (dst: string, gw: string, dev = "flannel.1", onlink = true): Entry => ({
  kind: "route",
  dst: parseCIDR(dst),
  gateway: parseIP(gw),
  dev,
  onlink,
});
const n = (ip: string, mac: string, dev = "flannel.1"): Entry => ({
  kind: "neigh",
  dev,
  ip: parseIP(ip),
  mac,
});
const f = (mac: string, dst: string): Entry => ({
  kind: "fdb",
  dev: "flannel.1",
  mac,
  dst: parseIP(dst),
});
const obs = (entry: Entry, protocol = RTPROT_FLANNEL, permanent = true): Observed => ({
  entry,
  protocol,
  permanent,
});
const want = (...es: Entry[]) => new Map(es.map((e) => [entryKey(e), e]));
const show = (ops: ReturnType<typeof diff>) => ops.map((o) => `${o.op} ${describeEntry(o.entry)}`);

Deno.test("isOwned() claims only flannel's entries", async (t) => {
  const cases: [string, Observed, boolean][] = [
    ["our proto inside the network", obs(r("10.244.2.0/24", "198.18.0.2", "eth0", false)), true],
    ["any proto on our device", obs(r("10.244.2.0/24", "10.244.2.0"), 3), true],
    [
      "proto kernel, even on our device",
      obs(r("10.244.2.0/24", "10.244.2.0"), RTPROT_KERNEL),
      false,
    ],
    ["outside the network", obs(r("192.168.0.0/24", "198.18.0.2", "eth0", false)), false],
    [
      "operator route on eth0 (proto boot)",
      obs(r("10.244.9.0/24", "198.18.0.9", "eth0", false), 3),
      false,
    ],
    ["permanent neighbour on our device", obs(n("10.244.2.0", "aa:00:00:00:00:02")), true],
    ["dynamic neighbour on our device", obs(n("10.244.2.0", "aa:00:00:00:00:02"), 0, false), false],
    ["neighbour on eth0", obs(n("198.18.0.2", "aa:00:00:00:00:02", "eth0")), false],
    ["permanent FDB on our device", obs(f("aa:00:00:00:00:02", "198.18.0.2")), true],
  ];
  for (const [name, o, owned] of cases) {
    await t.step(name, () => assertEquals(isOwned(o, scope), owned));
  }
});

Deno.test("Differ leaves a desired route blocked by a connected one and reports it", () => {
  const wanted = r("198.18.0.0/24", "198.18.0.0");
  const connected = obs(r("198.18.0.0/24", "0.0.0.0", "eth0", false), RTPROT_KERNEL);
  const d = new Differ(want(wanted, r("10.244.2.0/24", "10.244.2.0")), scope);
  d.observe(connected);
  assertEquals(show(d.ops()), ["replace route 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink"]);
  assertEquals([...d.blocked()], [["route 198.18.0.0/24", { want: wanted, found: connected }]]);
  assertEquals([...d.connected()], ["route 198.18.0.0/24"]);
});

Deno.test("diff() replaces missing or different entries and deletes owned extras", () => {
  const desired = want(
    n("10.244.2.0", "aa:00:00:00:00:02"),
    f("aa:00:00:00:00:02", "198.18.0.2"),
    r("10.244.2.0/24", "10.244.2.0"),
    r("10.244.3.0/24", "10.244.3.0"),
  );
  const observed = [
    obs(n("10.244.2.0", "aa:00:00:00:00:02")), // in place
    obs(f("aa:00:00:00:00:02", "198.18.0.99")), // wrong dst
    obs(r("10.244.2.0/24", "10.244.2.0")), // in place
    obs(r("10.244.7.0/24", "10.244.7.0")), // stale lease
    obs(n("10.244.7.0", "aa:00:00:00:00:07")), // stale lease
    obs(r("10.244.0.0/16", "0.0.0.0", "cni0", false), RTPROT_KERNEL), // not ours
    obs(r("10.244.8.0/24", "198.18.0.8", "eth0", false), 3), // operator's
  ];
  assertEquals(show(diff(desired, observed, scope)), [
    "delete route 10.244.7.0/24 via 10.244.7.0 dev flannel.1 onlink",
    "delete neigh 10.244.7.0 lladdr aa:00:00:00:00:07 dev flannel.1",
    "replace fdb aa:00:00:00:00:02 dev flannel.1 dst 198.18.0.2",
    "replace route 10.244.3.0/24 via 10.244.3.0 dev flannel.1 onlink",
  ]);
});

Deno.test("diff() of an empty kernel recreates everything, neighbours first", () => {
  const desired = want(
    r("10.244.2.0/24", "10.244.2.0"),
    f("aa:00:00:00:00:02", "198.18.0.2"),
    n("10.244.2.0", "aa:00:00:00:00:02"),
  );
  const ops = diff(desired, [], scope);
  assertEquals(ops.map((o) => o.entry.kind), ["neigh", "fdb", "route"]);
  assert(ops.every((o) => o.op === "replace"));
});

Deno.test("diff() deletes our stale route on another device under the same key", () => {
  const desired = want(r("10.244.2.0/24", "10.244.2.0"));
  const observed = [obs(r("10.244.2.0/24", "198.18.0.2", "eth0", false))];
  assertEquals(show(diff(desired, observed, scope)), [
    "delete route 10.244.2.0/24 via 198.18.0.2 dev eth0",
    "replace route 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink",
  ]);
});

Deno.test("diff() adopts a desired route of another protocol (upstream's proto boot)", () => {
  const onVtep = r("10.244.2.0/24", "10.244.2.0");
  const onEth0 = r("10.244.3.0/24", "198.18.0.3", "eth0", false);
  const observed = [obs(onVtep, 3), obs(onEth0, 3), obs(n("10.244.2.0", "aa:00:00:00:00:02"), 3)];
  assertEquals(
    show(diff(want(onVtep, onEth0, n("10.244.2.0", "aa:00:00:00:00:02")), observed, scope)),
    [
      "replace route 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink",
      "replace route 10.244.3.0/24 via 198.18.0.3 dev eth0",
    ],
  );
});

Deno.test("diff() of matching state is empty", () => {
  const e = [n("10.244.2.0", "aa:00:00:00:00:02"), r("10.244.2.0/24", "10.244.2.0")];
  assertEquals(diff(want(...e), e.map((x) => obs(x)), scope), []);
});

/**
 * The diff as first written (observed grouped by key, then desired walked): the oracle. A
 * desired route whose key holds someone else's route (`isForeignRoute`) is not replaced.
 */
function groupedDiff(desired: Map<string, Entry>, observed: Observed[]): string[] {
  const seen = new Map<string, Observed[]>();
  for (const o of observed) seen.set(entryKey(o.entry), [...seen.get(entryKey(o.entry)) ?? [], o]);
  const out: string[] = [];
  const same = (a: Entry, b: Entry) => describeEntry(a) === describeEntry(b);
  const ourProto = (o: Observed) => o.entry.kind !== "route" || o.protocol === scope.protocol;
  for (const [k, w] of desired) {
    const have = seen.get(k) ?? [];
    const blocked = have.some((o) =>
      o.entry.kind === "route" && isForeignRoute(o.entry, o.protocol, scope)
    );
    const inPlace = have.some((o) => same(o.entry, w) && ourProto(o));
    if (!inPlace && !blocked) out.push(`replace ${describeEntry(w)}`);
    for (const o of have) {
      if (!same(o.entry, w) && o.entry.dev !== w.dev && isOwned(o, scope)) {
        out.push(`delete ${describeEntry(o.entry)}`);
      }
    }
  }
  for (const [k, have] of seen) {
    if (desired.has(k)) continue;
    for (const o of have) if (isOwned(o, scope)) out.push(`delete ${describeEntry(o.entry)}`);
  }
  return out;
}

Deno.test("diff() streamed (Differ) gives the grouped diff's ops, deletes before replaces", () => {
  const i = fc.integer({ min: 2, max: 5 });
  const entry = fc.oneof(
    fc.tuple(i, i, fc.constantFrom("flannel.1", "eth0")).map(([a, b, dev]) =>
      r(`10.244.${a}.0/24`, `10.244.${b}.0`, dev, dev === "flannel.1")
    ),
    fc.tuple(i, i).map(([a, b]) => n(`10.244.${a}.0`, `aa:00:00:00:00:0${b}`)),
    fc.tuple(i, i).map(([a, b]) => f(`aa:00:00:00:00:0${a}`, `198.18.0.${b}`)),
  );
  const observed = fc.array(
    fc.tuple(entry, fc.constantFrom(RTPROT_FLANNEL, RTPROT_KERNEL, 3), fc.boolean())
      .map(([e, p, perm]) => obs(e, p, perm)),
    { maxLength: 8 },
  );
  fc.assert(fc.property(fc.array(entry, { maxLength: 6 }), observed, (ds, os) => {
    const desired = want(...ds);
    const got = show(diff(desired, os, scope));
    assertEquals([...got].sort(), groupedDiff(desired, os).sort());
    const firstReplace = got.findIndex((s) => s.startsWith("replace"));
    assert(firstReplace < 0 || got.slice(firstReplace).every((s) => s.startsWith("replace")));
  }));
});
