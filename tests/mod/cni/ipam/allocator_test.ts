/** Vectors from host-local's `backend/allocator/allocator_test.go` (spec/cni.md §3.3). */
import { assertEquals, assertThrows } from "../../../harness/assert.ts";
import { allocate, type AllocatorStore, candidates } from "../../../../mod/cni/ipam/allocator.ts";
import { canonicalRangeSet } from "../../../../mod/cni/ipam/range.ts";
import { type IPAddr, parseIP } from "../../../../mod/ip/mod.ts";

class MemStore implements AllocatorStore {
  taken = new Map<string, string>();
  last = new Map<string, string>();
  constructor(taken: string[] = [], last?: string) {
    for (const ip of taken) this.taken.set(ip, "other\r\neth0");
    if (last) this.last.set("0", last);
  }
  reserve(id: string, ifname: string, ip: IPAddr, rangeID: string) {
    if (this.taken.has(`${ip}`)) return false;
    this.taken.set(`${ip}`, `${id}\r\n${ifname}`);
    this.last.set(rangeID, `${ip}`);
    return true;
  }
  lastReservedIP(rangeID: string) {
    const v = this.last.get(rangeID);
    return v ? parseIP(v) : null;
  }
  getByID(id: string, ifname: string) {
    return [...this.taken].filter(([, o]) => o === `${id}\r\n${ifname}`).map(([ip]) => parseIP(ip));
  }
}

const set = (...subnets: string[]) => canonicalRangeSet(subnets.map((subnet) => ({ subnet })));

function next(s: ReturnType<typeof set>, store: MemStore): string {
  return `${allocate(store, s, "0", "c", "eth0", null).ip}`;
}

Deno.test("allocate() round-robin vectors", async (t) => {
  const cases: [string, string[], string[], string | undefined, string][] = [
    ["empty /29 gives .2", ["10.0.0.0/29"], [], undefined, "10.0.0.2"],
    ["IPv6 gives ::2", ["2001:db8:1::/64"], [], undefined, "2001:db8:1::2"],
    [".2 taken gives .3", ["10.0.0.0/29"], ["10.0.0.2"], undefined, "10.0.0.3"],
    ["last .5 gives .6", ["10.0.0.0/29"], [], "10.0.0.5", "10.0.0.6"],
    [
      "last .3 with .4 .5 taken gives .6",
      ["10.0.0.0/29"],
      ["10.0.0.4", "10.0.0.5"],
      "10.0.0.3",
      "10.0.0.6",
    ],
    ["last .5 with .6 taken wraps to .2", ["10.0.0.0/29"], ["10.0.0.6"], "10.0.0.5", "10.0.0.2"],
    ["last out of range starts at the beginning", ["10.0.0.0/29"], [], "10.1.0.9", "10.0.0.2"],
    [
      "full except the last reserved gives it",
      ["10.0.0.0/29"],
      ["10.0.0.2", "10.0.0.3", "10.0.0.5", "10.0.0.6"],
      "10.0.0.4",
      "10.0.0.4",
    ],
    ["two ranges: on to the next", ["10.0.0.0/30", "10.0.1.0/30"], [], "10.0.0.2", "10.0.1.2"],
    [
      "three ranges: wraps to the first",
      ["10.0.0.0/30", "10.0.1.0/30", "10.0.2.0/30"],
      [],
      "10.0.2.2",
      "10.0.0.2",
    ],
  ];
  for (const [name, subnets, taken, last, want] of cases) {
    await t.step(name, () => {
      assertEquals(next(set(...subnets), new MemStore(taken, last)), want);
    });
  }
});

Deno.test("allocate() exhaustion, duplicates and requested addresses", () => {
  const s = set("10.244.1.0/30");
  const store = new MemStore();
  assertEquals(next(s, store), "10.244.1.2");
  assertThrows(
    () => next(s, store),
    Error,
    "10.244.1.2 has been allocated to c, duplicate allocation is not allowed",
  );
  assertThrows(
    () => allocate(store, s, "0", "e", "eth0", null),
    Error,
    "no IP addresses available in range set: 10.244.1.1-10.244.1.2",
  );
  const wide = set("10.0.0.0/24");
  const st = new MemStore();
  assertEquals(`${allocate(st, wide, "0", "x", "eth0", parseIP("10.0.0.77")).ip}`, "10.0.0.77");
  assertThrows(
    () => allocate(st, wide, "0", "y", "eth0", parseIP("10.0.0.77")),
    Error,
    "requested IP address 10.0.0.77 is not available in range set 10.0.0.1-10.0.0.254",
  );
  assertThrows(
    () => allocate(st, wide, "0", "y", "eth0", parseIP("10.0.0.1")),
    Error,
    "requested ip 10.0.0.1 is subnet's gateway",
  );
});

Deno.test("candidates() visits every address once, gateway skipped", () => {
  const s = set("10.0.0.0/29");
  assertEquals([...candidates(s, null)].map(([ip]) => `${ip}`), [
    "10.0.0.2",
    "10.0.0.3",
    "10.0.0.4",
    "10.0.0.5",
    "10.0.0.6",
  ]);
  assertEquals([...candidates(s, parseIP("10.0.0.4"))].map(([ip]) => `${ip}`), [
    "10.0.0.5",
    "10.0.0.6",
    "10.0.0.2",
    "10.0.0.3",
    "10.0.0.4",
  ]);
});
