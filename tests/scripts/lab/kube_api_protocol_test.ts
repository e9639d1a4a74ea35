/**
 * The parts of the API test server kubectl does not exercise but the agent's informer
 * relies on: watch from a resourceVersion, 410 Gone after compaction, bookmarks, paging,
 * and the three patch flavours.
 */
import { assertEquals, assertThrows } from "../../harness/assert.ts";
import { KubeApiServer } from "../../../scripts/lab/kube_api.ts";
import {
  jsonPatch,
  mergePatch,
  PatchError,
  strategicMerge,
} from "../../../scripts/lab/kube_api/patch.ts";

async function withHttpApi(fn: (api: KubeApiServer) => Promise<void>) {
  const api = await KubeApiServer.start({ tls: false, token: "", bookmarkMs: 50 });
  try {
    await fn(api);
  } finally {
    await api.close();
  }
}

// deno-lint-ignore no-explicit-any
type Any = any;

/** Reads watch lines until `count` arrived or the stream ended. */
async function watchLines(url: string, count: number): Promise<{ type: string; object: Any }[]> {
  const r = await fetch(url);
  const reader = r.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  const out = [];
  while (out.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    for (let i; (i = buf.indexOf("\n")) >= 0; buf = buf.slice(i + 1)) {
      out.push(JSON.parse(buf.slice(0, i)));
    }
  }
  await reader.cancel();
  return out;
}

Deno.test("watch replays history after resourceVersion, then live events", async () => {
  await withHttpApi(async (api) => {
    const rv = api.addNode("a").metadata as { resourceVersion: string };
    api.addNode("b");
    api.setPodCIDR("b", "10.0.0.0/24");
    const lines = watchLines(
      `${api.url}/api/v1/nodes?watch=true&resourceVersion=${rv.resourceVersion}`,
      3,
    );
    setTimeout(() => api.deleteNode("a"), 50);
    assertEquals((await lines).map((e) => `${e.type} ${e.object.metadata.name}`), [
      "ADDED b",
      "MODIFIED b",
      "DELETED a",
    ]);
  });
});

Deno.test("watch from a compacted resourceVersion gets a 410 Expired ERROR event", async () => {
  await withHttpApi(async (api) => {
    api.addNode("a");
    api.expireHistory();
    const lines = await watchLines(`${api.url}/api/v1/nodes?watch=true&resourceVersion=101`, 2);
    assertEquals(lines.length, 1);
    assertEquals(lines[0]!.type, "ERROR");
    assertEquals([lines[0]!.object.code, lines[0]!.object.reason], [410, "Expired"]);
    // From the current resourceVersion nothing was lost: the watch is accepted.
    const now = await fetch(
      `${api.url}/api/v1/nodes?watch=true&resourceVersion=${api.state.rv}&timeoutSeconds=1`,
    );
    assertEquals(await now.text(), "");
  });
});

Deno.test("watch sends bookmarks when allowed", async () => {
  await withHttpApi(async (api) => {
    const lines = await watchLines(
      `${api.url}/api/v1/nodes?watch=true&allowWatchBookmarks=true&resourceVersion=${api.state.rv}`,
      2,
    );
    assertEquals(lines.map((e) => e.type), ["BOOKMARK", "BOOKMARK"]);
    assertEquals(lines[0]!.object.metadata.resourceVersion, String(api.state.rv));
  });
});

Deno.test("list pages with limit and continue", async () => {
  await withHttpApi(async (api) => {
    for (const n of ["a", "b", "c"]) api.addNode(n);
    const first = await (await fetch(`${api.url}/api/v1/nodes?limit=2`)).json();
    assertEquals(first.items.map((n: Any) => n.metadata.name), ["a", "b"]);
    const next =
      await (await fetch(`${api.url}/api/v1/nodes?limit=2&continue=${first.metadata.continue}`))
        .json();
    assertEquals([next.items.map((n: Any) => n.metadata.name), next.metadata.continue], [
      ["c"],
      undefined,
    ]);
  });
});

Deno.test("patch flavours: merge, JSON, strategic (merge keys and directives)", () => {
  assertEquals(mergePatch({ a: { b: 1, c: 2 } }, { a: { b: null, d: 3 } }), { a: { c: 2, d: 3 } });
  assertEquals(
    jsonPatch({ a: [1, 2] }, [{ op: "add", path: "/a/-", value: 3 }, {
      op: "replace",
      path: "/a/0",
      value: 0,
    }]),
    { a: [0, 2, 3] },
  );
  assertThrows(() => jsonPatch({}, [{ op: "test", path: "/x", value: 1 }]), PatchError);
  const node = {
    status: { conditions: [{ type: "Ready", status: "True" }, { type: "X", status: "1" }] },
  };
  assertEquals(
    strategicMerge(node, {
      status: {
        conditions: [{ type: "X", $patch: "delete" }, {
          type: "NetworkUnavailable",
          status: "False",
        }],
      },
    }),
    {
      status: {
        conditions: [{ type: "Ready", status: "True" }, {
          type: "NetworkUnavailable",
          status: "False",
        }],
      },
    },
  );
  assertEquals(
    strategicMerge({ spec: { containers: [{ name: "a", image: "1", args: ["x"] }] } }, {
      "$setElementOrder/containers": [{ name: "a" }],
      spec: { containers: [{ name: "a", args: ["y"] }] },
    } as never),
    { spec: { containers: [{ name: "a", image: "1", args: ["y"] }] } },
  );
  assertEquals(strategicMerge({ a: { b: 1 } }, { a: { $patch: "replace", c: 2 } }), {
    a: { c: 2 },
  });
});
