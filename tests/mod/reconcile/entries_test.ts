import { assert, assertEquals } from "../../harness/assert.ts";
import { describeEntry, entryKey, sameEntry } from "../../../mod/reconcile/entries.ts";
import { parseIP } from "../../../mod/ip/mod.ts";
import { fdb, neigh, route } from "./entry_fixtures.ts";

Deno.test("entryKey() names the kernel object an entry occupies", () => {
  assertEquals(entryKey(route), "route 10.244.2.0/24");
  assertEquals(
    entryKey({ ...route, dev: "eth0", gateway: parseIP("198.18.0.2") }),
    "route 10.244.2.0/24",
  );
  assertEquals(entryKey(neigh), "neigh flannel.1 10.244.2.0");
  assertEquals(entryKey(fdb), "fdb flannel.1 aa:bb:cc:00:00:02");
});

Deno.test("sameEntry() compares every field", () => {
  assert(sameEntry(route, { ...route }));
  assert(!sameEntry(route, { ...route, onlink: false }));
  assert(!sameEntry(route, { ...route, gateway: null }));
  assert(!sameEntry(neigh, { ...neigh, mac: "aa:bb:cc:00:00:03" }));
  assert(!sameEntry(fdb, { ...fdb, dst: parseIP("198.18.0.3") }));
  assert(!sameEntry(route, neigh));
});

Deno.test("describeEntry() reads like iproute2", () => {
  assertEquals(describeEntry(route), "route 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink");
  assertEquals(describeEntry(neigh), "neigh 10.244.2.0 lladdr aa:bb:cc:00:00:02 dev flannel.1");
  assertEquals(describeEntry(fdb), "fdb aa:bb:cc:00:00:02 dev flannel.1 dst 198.18.0.2");
});
