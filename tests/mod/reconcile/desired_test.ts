import { assertEquals } from "../../harness/assert.ts";
import { parseCIDR, parseIP } from "../../../mod/ip/mod.ts";
import type { Op } from "../../../mod/reconcile/diff.ts";
import { DesiredEntries } from "../../../mod/reconcile/desired.ts";
import { describeEntry, type Entry } from "../../../mod/reconcile/entries.ts";

const route = (i: number, gw = i): Entry => ({
  kind: "route",
  dst: parseCIDR(`10.244.${i}.0/24`),
  gateway: parseIP(`198.18.0.${gw}`),
  dev: "eth0",
  onlink: false,
});

function recorder() {
  const ops: string[] = [];
  const queue = (key: string, op: Op) => ops.push(`${op.op} ${key}: ${describeEntry(op.entry)}`);
  return { ops, queue };
}

Deno.test("DesiredEntries.setGroup() queues what changed, nothing for the same entries", () => {
  const d = new DesiredEntries();
  const { ops, queue } = recorder();
  d.setGroup("a", [route(2)], queue);
  d.setGroup("a", [route(2)], queue);
  d.setGroup("a", [route(2, 9)], queue);
  assertEquals(ops, [
    "replace route 10.244.2.0/24: route 10.244.2.0/24 via 198.18.0.2 dev eth0",
    "replace route 10.244.2.0/24: route 10.244.2.0/24 via 198.18.0.9 dev eth0",
  ]);
  assertEquals(d.byKey.size, 1);
});

Deno.test("DesiredEntries drops entries a group no longer has, and empty groups", () => {
  const d = new DesiredEntries();
  const { ops, queue } = recorder();
  d.setGroup("a", [route(2), route(3)], queue);
  ops.length = 0;
  d.setGroup("a", [route(3)], queue);
  assertEquals(ops, ["delete route 10.244.2.0/24: route 10.244.2.0/24 via 198.18.0.2 dev eth0"]);
  d.setGroup("a", [], queue);
  assertEquals(d.groups(), []);
  assertEquals(d.byKey.size, 0);
});

Deno.test("DesiredEntries: a key set by two groups belongs to the last; only it deletes it", () => {
  const d = new DesiredEntries();
  const { ops, queue } = recorder();
  d.setGroup("old", [route(2)], queue);
  d.setGroup("new", [route(2, 7)], queue);
  ops.length = 0;
  d.deleteGroup("old", queue);
  assertEquals(ops, [], "the old group no longer owns the key");
  assertEquals(describeEntry(d.wanted(route(2))!), "route 10.244.2.0/24 via 198.18.0.7 dev eth0");
  d.deleteGroup("new", queue);
  assertEquals(ops, ["delete route 10.244.2.0/24: route 10.244.2.0/24 via 198.18.0.7 dev eth0"]);
  assertEquals(d.wanted(route(2)), undefined);
  assertEquals(d.groups(), []);
});
