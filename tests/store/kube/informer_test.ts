import { assert, assertEquals } from "../../harness/assert.ts";
import { FakeClock } from "../../harness/fake_clock.ts";
import { createLogger } from "../../../mod/log.ts";
import type { KubeNode } from "../../../mod/lease/node.ts";
import type { NodeList, WatchEvent, WatchOptions } from "../../../store/kube/client.ts";
import { apiError } from "../../../store/kube/errors.ts";
import { type NodeChange, NodeInformer } from "../../../store/kube/informer.ts";

const node = (name: string, rv: string, extra: Partial<KubeNode["spec"]> = {}): KubeNode => ({
  metadata: { name, resourceVersion: rv, annotations: {} },
  spec: { podCIDR: "10.0.0.0/24", ...extra },
});

/** A watch script: events to deliver, then how the stream ends. */
type Script = { events: WatchEvent[]; end: "close" | Error | "hang" };

class FakeApi {
  lists: NodeList[] = [];
  scripts: Script[] = [];
  watchedFrom: string[] = [];
  listCalls = 0;

  listNodes(): Promise<NodeList> {
    this.listCalls++;
    const l = this.lists.shift();
    return l
      ? Promise.resolve(structuredClone(l))
      : Promise.reject(apiError("list", "nodes", 503, null));
  }

  watchNodes(rv: string, onEvent: (e: WatchEvent) => void, _o: WatchOptions, signal: AbortSignal) {
    this.watchedFrom.push(rv);
    const s = this.scripts.shift() ?? { events: [], end: "hang" };
    for (const e of s.events) onEvent(structuredClone(e));
    if (s.end instanceof Error) return Promise.reject(s.end);
    if (s.end === "close") return Promise.resolve();
    return new Promise<void>((r) => signal.addEventListener("abort", () => r(), { once: true }));
  }
}

function start(api: FakeApi, opts: { resyncMs?: number } = {}) {
  const clock = new FakeClock();
  const batches: NodeChange[][] = [];
  const logs: string[] = [];
  const inf = new NodeInformer({
    api,
    trim: (n) => n,
    onChanges: (c) => batches.push(c),
    clock,
    logger: createLogger({ write: (l) => logs.push(l) }),
    ...opts,
  });
  const stop = new AbortController();
  const running = inf.run(stop.signal);
  const summary = () =>
    batches.map((b) =>
      b.map((c) =>
        `${c.before ? c.before.metadata.resourceVersion : "-"}>${
          c.after ? c.after.metadata.resourceVersion : "-"
        } ${c.name}`
      )
        .join(",")
    );
  return { inf, clock, batches, logs, summary, done: async () => (stop.abort(), await running) };
}

const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 0));
};

Deno.test("NodeInformer lists, then applies watch events (same resourceVersion skipped)", async () => {
  const api = new FakeApi();
  api.lists.push({ items: [node("a", "1"), node("b", "2")], resourceVersion: "2" });
  api.scripts.push({
    events: [
      { type: "ADDED", object: node("c", "3") as never },
      { type: "MODIFIED", object: node("c", "3") as never },
      { type: "MODIFIED", object: node("a", "4") as never },
      { type: "DELETED", object: node("b", "5") as never },
      { type: "BOOKMARK", object: { metadata: { resourceVersion: "9" } } },
    ],
    end: "close",
  });
  const t = start(api);
  await t.inf.synced;
  await settle();
  await t.clock.tick(1000); // a watch that ended at once waits a little before the next
  assertEquals(t.summary(), ["->1 a,->2 b", "->3 c", "1>4 a", "2>- b"]);
  assertEquals(api.watchedFrom, ["2", "9"]);
  assertEquals([...t.inf.nodes.keys()].sort(), ["a", "c"]);
  await t.done();
});

Deno.test("NodeInformer relists on a 410 ERROR event or status and reports only the difference", async () => {
  for (const gone of ["event", "status"]) {
    const api = new FakeApi();
    api.lists.push({
      items: [node("a", "1"), node("b", "2"), node("c", "3")],
      resourceVersion: "3",
    });
    api.scripts.push(
      gone === "event"
        ? {
          events: [{ type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired" } }],
          end: "close",
        }
        : { events: [], end: apiError("watch", "nodes", 410, { reason: "Gone" }) },
    );
    api.lists.push({
      items: [node("a", "1"), node("c", "7"), node("d", "8")],
      resourceVersion: "8",
    });
    const t = start(api);
    await settle();
    await t.clock.tick(1000);
    await settle();
    assertEquals(api.listCalls, 2, gone);
    assertEquals(t.summary(), ["->1 a,->2 b,->3 c", "3>7 c,->8 d,2>- b"], gone);
    assertEquals(api.watchedFrom, ["3", "8"], gone);
    await t.done();
  }
});

Deno.test("NodeInformer retries failures with backoff and says why", async () => {
  const api = new FakeApi();
  // First list fails (no list queued), the second works.
  const t = start(api);
  await settle();
  assert(
    t.logs.some((l) =>
      l.includes('Node list failed: Kubernetes API error on list "nodes": 503 (retrying in 1s)')
    ),
  );
  api.lists.push({ items: [node("a", "1")], resourceVersion: "1" });
  api.scripts.push({ events: [], end: apiError("watch", "nodes", 500, { message: "boom" }) });
  await t.clock.tick(1000);
  await settle();
  assert(
    t.logs.some((l) => l.includes("Node watch failed: ") && l.includes("boom (retrying in 1s)")),
  );
  await t.clock.tick(1000);
  assertEquals(api.watchedFrom, ["1", "1"]); // resumed from the same version, no relist
  assertEquals(api.listCalls, 2);
  await t.done();
});

Deno.test("NodeInformer relists every resyncMs (checked when a watch ends)", async () => {
  const api = new FakeApi();
  api.lists.push({ items: [node("a", "1")], resourceVersion: "1" });
  api.scripts.push({ events: [], end: "close" }, { events: [], end: "close" });
  api.lists.push({ items: [node("a", "1"), node("b", "2")], resourceVersion: "5" });
  const t = start(api, { resyncMs: 500 });
  await settle();
  await t.clock.tick(1000); // second watch ends 1 s after the list: past the period
  await t.clock.tick(2000);
  await settle();
  assertEquals(api.listCalls, 2);
  assertEquals(t.summary(), ["->1 a", "->2 b"]);
  assertEquals(api.watchedFrom, ["1", "1", "5"]);
  await t.done();
});
