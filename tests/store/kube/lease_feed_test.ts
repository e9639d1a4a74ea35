import { assertEquals } from "../../harness/assert.ts";
import { createLogger } from "../../../mod/log.ts";
import { annotationNames } from "../../../mod/lease/annotations.ts";
import type { KubeNode } from "../../../mod/lease/node.ts";
import type { LeaseWatchResult } from "../../../mod/lease/types.ts";
import { LeaseFeed } from "../../../store/kube/lease_feed.ts";

const P = "flannel.alpha.coreos.com/";
const names = annotationNames();

function node(i: number, ann: Record<string, string> = {}, managed = true): KubeNode {
  return {
    metadata: {
      name: `n${i}`,
      annotations: {
        ...(managed ? { [P + "kube-subnet-manager"]: "true" } : {}),
        [P + "public-ip"]: `198.18.0.${i}`,
        [P + "backend-type"]: "vxlan",
        ...ann,
      },
    },
    spec: { podCIDR: `10.244.${i}.0/24` },
  };
}

function feed(maxBatch = 5000) {
  const logs: string[] = [];
  const f = new LeaseFeed(
    names,
    { enableIPv4: true, enableIPv6: false },
    createLogger({ write: (l) => logs.push(l) }),
    maxBatch,
  );
  return { f, logs };
}

const text = (r: LeaseWatchResult) =>
  r.kind === "snapshot"
    ? `snapshot ${r.leases.map((l) => l.subnet).join(",")}`
    : r.events.map((e) => `${e.type} ${e.lease.subnet} ${e.lease.attrs.publicIP}`).join(",");

Deno.test("LeaseFeed turns node changes into lease events by upstream's rules", () => {
  const { f, logs } = feed();
  const ev = (b: KubeNode | null, a: KubeNode | null) =>
    f.apply([{ name: (a ?? b)!.metadata.name, before: b, after: a }]).map((e) =>
      `${e.type} ${e.lease.attrs.publicIP}`
    );
  assertEquals(ev(null, node(1)), ["added 198.18.0.1"]);
  assertEquals(ev(null, node(2, {}, false)), []); // not managed
  assertEquals(ev(node(1), node(1, { "x/y": "z" })), []); // nothing relevant changed
  assertEquals(ev(node(1), node(1, { [P + "public-ip"]: "198.18.1.1" })), ["added 198.18.1.1"]);
  assertEquals(ev(node(1), node(1, { [P + "public-ip"]: "bad" })), []); // skipped, logged
  assertEquals(logs.some((l) => l.includes('Error turning node "n1" to lease')), true);
  assertEquals(f.leases.get("n1")?.attrs.publicIP?.toString(), "198.18.1.1"); // last good one stays
  assertEquals(ev(node(1), node(1, {}, false)), ["removed 198.18.1.1"]); // no longer managed
  assertEquals(ev(null, node(3)), ["added 198.18.0.3"]);
  assertEquals(ev(node(3), null), ["removed 198.18.0.3"]);
  assertEquals(f.leases.size, 0);
});

Deno.test("LeaseFeed.watch(): snapshot, then batches of at most EVENT_QUEUE_DEPTH", async () => {
  const { f } = feed(2);
  f.apply([{ name: "n1", before: null, after: node(1) }]);
  const stop = new AbortController();
  const it = f.watch(stop.signal)[Symbol.asyncIterator]();
  assertEquals(text((await it.next()).value!), "snapshot 10.244.1.0/24");
  f.apply([2, 3, 4].map((i) => ({ name: `n${i}`, before: null, after: node(i) })));
  assertEquals(
    text((await it.next()).value!),
    "added 10.244.2.0/24 198.18.0.2,added 10.244.3.0/24 198.18.0.3",
  );
  assertEquals(text((await it.next()).value!), "added 10.244.4.0/24 198.18.0.4");
  assertEquals(f.watchers, 1);
  const pending = it.next();
  stop.abort();
  assertEquals((await pending).done, true);
  assertEquals(f.watchers, 0);
});
