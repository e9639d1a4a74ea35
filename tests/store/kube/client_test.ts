/**
 * The client over client-node against the Kubernetes API test server: the three ways to
 * configure it, raw JSON, exact patch bytes, server error messages kept, and connections that
 * survive (and do not crash the process on) an API server going away.
 */
import { assert, assertEquals, assertRejects } from "../../harness/assert.ts";
import { KubeApiServer } from "../../../scripts/lab/kube_api.ts";
import { connectKube, type WatchEvent } from "../../../store/kube/client.ts";
import { KubeApiError } from "../../../store/kube/errors.ts";

async function withServer(
  fn: (api: KubeApiServer, dir: string) => Promise<void>,
  opts: Parameters<typeof KubeApiServer.start>[0] = {},
) {
  const api = await KubeApiServer.start(opts);
  const dir = await Deno.makeTempDir({ prefix: "kube-client-" });
  try {
    await fn(api, dir);
  } finally {
    await api.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("connectKube() with a kubeconfig (HTTPS, CA, token): list, get, patch, pod", async () => {
  await withServer(async (api, dir) => {
    api.addNode("n1", { podCIDR: "10.244.1.0/24" });
    api.addPod("kube-flannel", "p1", "n1");
    await api.writeKubeconfig(`${dir}/kc`);
    const k = await connectKube({ kind: "kubeconfig", path: `${dir}/kc`, server: null });
    try {
      const list = await k.listNodes();
      assertEquals([list.items.map((n) => n.metadata.name), list.resourceVersion], [
        ["n1"],
        String(api.state.rv),
      ]);
      assertEquals((await k.getNode("n1")).spec?.podCIDR, "10.244.1.0/24");
      assertEquals(
        ((await k.getPod("kube-flannel", "p1")).spec as { nodeName: string }).nodeName,
        "n1",
      );
      const body = '{"metadata":{"annotations":{"a/b":"{\\"x\\":1}"}}}';
      await k.patchNodeStatus("n1", body);
      assertEquals(
        (api.node("n1")!.metadata as { annotations: Record<string, string> }).annotations["a/b"],
        '{"x":1}',
      );
      assert(
        api.requests.includes(
          "PATCH /api/v1/nodes/n1/status application/strategic-merge-patch+json",
        ),
      );
      const err = await assertRejects(() => k.getNode("nope"), KubeApiError);
      assertEquals(
        err.message,
        'Kubernetes API error on get "nodes": 404 NotFound: nodes "nope" not found',
      );
    } finally {
      await k.close();
    }
  });
});

Deno.test("connectKube() in-cluster: service-account token file and CA", async () => {
  await withServer(async (api, dir) => {
    await Deno.writeTextFile(`${dir}/token`, api.token);
    await Deno.writeTextFile(`${dir}/ca.crt`, api.certs!.caPem);
    const k = await connectKube({
      kind: "in-cluster",
      server: api.url,
      caFile: `${dir}/ca.crt`,
      tokenFile: `${dir}/token`,
    });
    try {
      assertEquals((await k.listNodes()).items, []);
    } finally {
      await k.close();
    }
    await Deno.writeTextFile(`${dir}/token`, "wrong");
    const bad = await connectKube({
      kind: "in-cluster",
      server: api.url,
      caFile: `${dir}/ca.crt`,
      tokenFile: `${dir}/token`,
    });
    try {
      await assertRejects(() => bad.listNodes(), KubeApiError, '"nodes": 401 Unauthorized');
    } finally {
      await bad.close();
    }
  });
});

Deno.test("connectKube() with --kube-api-url over plain HTTP (no skipTLSVerify needed)", async () => {
  await withServer(async (api) => {
    const k = await connectKube({ kind: "url", server: api.url });
    try {
      assertEquals((await k.listNodes()).items, []);
    } finally {
      await k.close();
    }
  }, { tls: false, token: "" });
});

Deno.test("connectKube() refuses a server whose certificate it cannot verify", async () => {
  await withServer(async (api) => {
    const k = await connectKube({ kind: "url", server: api.url }); // no CA given
    try {
      await assertRejects(() => k.listNodes(), KubeApiError, "Cannot reach the Kubernetes API");
    } finally {
      await k.close();
    }
  });
});

Deno.test("an API server restart with idle pooled connections does not abort the process", async () => {
  // Over HTTP/2, undici in Deno dies here: nghttp2 `find_stream_on_goaway_func` assertion.
  await withServer(async (api, dir) => {
    await api.writeKubeconfig(`${dir}/kc`);
    const k = await connectKube({ kind: "kubeconfig", path: `${dir}/kc`, server: null });
    try {
      await k.listNodes();
      await assertRejects(() => k.getNode("missing"), KubeApiError);
      await api.restart({ downMs: 100 });
      await new Promise((r) => setTimeout(r, 500));
      assertEquals((await k.listNodes()).items, []);
    } finally {
      await k.close();
    }
  });
});

Deno.test("watchNodes() streams events until the server goes away", async () => {
  await withServer(async (api, dir) => {
    await api.writeKubeconfig(`${dir}/kc`);
    const k = await connectKube({ kind: "kubeconfig", path: `${dir}/kc`, server: null });
    try {
      const events: WatchEvent[] = [];
      const watching = k.watchNodes(String(api.state.rv), (e) => events.push(e), {
        timeoutSeconds: 60,
        idleMs: 10_000,
      }, new AbortController().signal);
      await new Promise((r) => setTimeout(r, 100));
      api.addNode("n9");
      await new Promise((r) => setTimeout(r, 100));
      await api.restart({ downMs: 100 });
      await watching;
      assertEquals(events.map((e) => `${e.type} ${(e.object.metadata as { name: string }).name}`), [
        "ADDED n9",
      ]);
    } finally {
      await k.close();
    }
  });
});
