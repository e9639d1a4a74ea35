/**
 * The Kubernetes subnet manager against the Kubernetes API test server (HTTPS, token):
 * start-up, the informer's events, 410 Gone, API server restarts, a late pod CIDR, RBAC
 * refusals, the annotations and patches we write, the node condition.
 */
import { assert, assertEquals, assertRejects, assertStringIncludes } from "../harness/assert.ts";
import { LeaseView, managed, P, serverSummary, setup, waitFor } from "../harness/kube_manager.ts";
import { makeFifo, unblockAfter } from "../harness/fifo.ts";
import { parseCIDR, parseIP } from "../../mod/ip/mod.ts";
import { leaseProblem } from "../../mod/lease/validate.ts";
import type { LeaseAttrs } from "../../mod/lease/types.ts";
import { KubeApiError } from "../../store/kube.ts";
import { ConfigError } from "../../mod/errors.ts";

const MAC = "0a:00:00:00:00:01";
const attrs: LeaseAttrs = {
  publicIP: parseIP("198.18.0.1"),
  publicIPv6: null,
  backendType: "vxlan",
  backendData: { VNI: 1, VtepMAC: MAC },
};

Deno.test("snapshot: every managed node that reads as a lease, and nothing else", async () => {
  const s = await setup();
  try {
    s.api.addNode("n1", { podCIDR: "10.244.1.0/24" });
    s.api.addNode("n2", managed(2));
    s.api.addNode("n3", { podCIDR: "10.244.3.0/24" }); // not managed
    s.api.addNode("n4", managed(4, { [P + "public-ip"]: "not-an-ip" }));
    const m = await s.start();
    assertEquals(m.name, "Kubernetes Subnet Manager - n1");
    const view = new LeaseView(m);
    await waitFor("snapshot", () => view.results.length === 1);
    assertEquals(view.summary(), ["10.244.2.0/24 198.18.0.2 0a:00:00:00:00:02"]);
    assert(
      s.logs.some((l) => l.includes(`Error turning node "n4" to lease: node "n4" annotation`)),
    );
    await view.stop();
  } finally {
    await s.close();
  }
});

Deno.test("acquireLease writes upstream's annotations in one strategic-merge patch to nodes/status", async () => {
  const s = await setup();
  try {
    s.api.addNode("n1", { podCIDR: "10.244.1.0/24", annotations: { "other/keep": "x" } });
    const m = await s.start();
    const lease = await m.acquireLease(
      await m.getNetworkConfig(),
      attrs,
      new AbortController().signal,
    );
    assertEquals(lease.subnet?.toString(), "10.244.1.0/24");
    assert(lease.expiration != null && lease.expiration.getTime() > Date.now() + 23 * 3600_000);
    const ann = (s.api.node("n1")!.metadata as { annotations: Record<string, string> }).annotations;
    assertEquals(ann, {
      "other/keep": "x",
      [P + "backend-data"]: `{"VNI":1,"VtepMAC":"${MAC}"}`,
      [P + "backend-type"]: "vxlan",
      [P + "kube-subnet-manager"]: "true",
      [P + "public-ip"]: "198.18.0.1",
    });
    const patches = () => s.api.requests.filter((l) => l.startsWith("PATCH"));
    assertEquals(patches(), [
      "PATCH /api/v1/nodes/n1/status application/strategic-merge-patch+json",
    ]);
    // Up to date now: a second acquire (agent restart) sends nothing.
    await waitFor(
      "own update in cache",
      () => m.informer!.nodes.get("n1")!.metadata.annotations![P + "public-ip"] === "198.18.0.1",
    );
    await m.acquireLease(await m.getNetworkConfig(), attrs, new AbortController().signal);
    assertEquals(patches().length, 1);
  } finally {
    await s.close();
  }
});

Deno.test("informer: add, relevant update and delete become lease events; other updates do not", async () => {
  const s = await setup();
  try {
    s.api.addNode("n1", { podCIDR: "10.244.1.0/24" });
    const m = await s.start();
    const view = new LeaseView(m);
    await waitFor("snapshot", () => view.results.length === 1);
    s.api.addNode("n2", managed(2));
    s.api.updateNode("n2", (n) => ((n.metadata as { labels: object }).labels = { x: "y" }));
    s.api.setAnnotations("n2", { [P + "backend-data"]: '{"VNI":1,"VtepMAC":"0a:00:00:00:00:22"}' });
    s.api.deleteNode("n2");
    await waitFor("four events", () => view.events().length === 4);
    assertEquals(view.events(), [
      "snapshot",
      "added 10.244.2.0/24",
      "added 10.244.2.0/24",
      "removed 10.244.2.0/24",
    ]);
    const second = view.results[2]!;
    assert(second.kind === "events");
    assertEquals(
      (second.events[0]!.lease.attrs.backendData as { VtepMAC: string }).VtepMAC,
      "0a:00:00:00:00:22",
    );
    await view.stop();
  } finally {
    await s.close();
  }
});

Deno.test("410 Gone: the informer lists again and reports only the difference", async () => {
  const s = await setup();
  try {
    s.api.addNode("n1", { podCIDR: "10.244.1.0/24" });
    for (const i of [2, 3]) s.api.addNode(`n${i}`, managed(i));
    const m = await s.start();
    const view = new LeaseView(m);
    await waitFor("snapshot", () => view.results.length === 1);
    const lists = m.informer!.lists;
    s.api.expireHistory();
    s.api.closeWatches();
    // Changes made while no watch is open, then the watch resumes from a compacted version.
    s.api.deleteNode("n2");
    s.api.addNode("n5", managed(5));
    s.api.expireHistory();
    await waitFor("relist", () => m.informer!.lists > lists && view.summary().length === 2);
    assertEquals(view.summary(), serverSummary(s.api));
    assertEquals(view.events().slice(1).sort(), ["added 10.244.5.0/24", "removed 10.244.2.0/24"]);
    assert(s.logs.some((l) => l.includes("(410 Gone): listing again")));
    await view.stop();
  } finally {
    await s.close();
  }
});

Deno.test("API server restart: the informer recovers and no event is lost", async () => {
  const s = await setup();
  try {
    s.api.addNode("n1", { podCIDR: "10.244.1.0/24" });
    for (const i of [2, 3, 4]) s.api.addNode(`n${i}`, managed(i));
    const m = await s.start();
    const view = new LeaseView(m);
    await waitFor("snapshot", () => view.results.length === 1);
    await s.api.restart({
      downMs: 1500,
      during: () => {
        s.api.deleteNode("n2");
        s.api.setAnnotations("n3", {
          [P + "backend-data"]: '{"VNI":1,"VtepMAC":"0a:00:00:00:00:33"}',
        });
        s.api.addNode("n6", managed(6));
      },
    });
    s.api.addNode("n7", managed(7)); // after the restart, maybe before the informer is back
    await waitFor(
      "recovered state",
      () => view.summary().join() === serverSummary(s.api).join(),
      20_000,
    );
    assertEquals(view.summary(), [
      "10.244.3.0/24 198.18.0.3 0a:00:00:00:00:33",
      "10.244.4.0/24 198.18.0.4 0a:00:00:00:00:04",
      "10.244.6.0/24 198.18.0.6 0a:00:00:00:00:06",
      "10.244.7.0/24 198.18.0.7 0a:00:00:00:00:07",
    ]);
    assert(s.logs.some((l) => l.includes("Node watch failed: Cannot reach the Kubernetes API")));
    await view.stop();
  } finally {
    await s.close();
  }
});

Deno.test("a node without a pod CIDR: acquireLease waits, says so, then proceeds", async () => {
  const s = await setup();
  try {
    s.api.addNode("n1");
    const m = await s.start();
    const acquiring = m.acquireLease(
      await m.getNetworkConfig(),
      attrs,
      new AbortController().signal,
    );
    await waitFor(
      "waiting lines",
      () => s.logs.filter((l) => l.includes('Waiting for node "n1" to get a pod CIDR')).length >= 2,
    );
    assertEquals(s.api.requests.filter((l) => l.startsWith("PATCH")).length, 0);
    s.api.setPodCIDR("n1", "10.244.9.0/24");
    assertEquals((await acquiring).subnet?.toString(), "10.244.9.0/24");
  } finally {
    await s.close();
  }
});

Deno.test("RBAC refusals say which verb on which resource and what to grant", async () => {
  const s = await setup();
  try {
    s.api.addNode("n1", { podCIDR: "10.244.1.0/24" });
    s.api.deny({ verb: "list", resource: "nodes" });
    setTimeout(() => s.api.allowAll(), 700);
    const m = await s.start(); // keeps retrying the list until allowed
    assert(
      s.logs.some((l) =>
        l.includes(
          'Node list failed: Kubernetes API refused to list "nodes" (403 Forbidden): nodes is forbidden',
        ) &&
        l.includes("nodes/status: patch")
      ),
    );
    s.api.deny({ verb: "patch", resource: "nodes/status" });
    const err = await assertRejects(
      async () => m.acquireLease(await m.getNetworkConfig(), attrs, new AbortController().signal),
      KubeApiError,
      'Kubernetes API refused to patch "nodes/status" (403 Forbidden): nodes "n1" is forbidden: User ',
    );
    assertEquals([err.code, err.verb, err.resource, err.status], [
      "EKUBEFORBIDDEN",
      "patch",
      "nodes/status",
      403,
    ]);
  } finally {
    await s.close();
  }
});

Deno.test("public-ip-overwrite is advertised; the local lease keeps the detected IP", async () => {
  const s = await setup();
  try {
    s.api.addNode("n1", {
      podCIDR: "10.244.1.0/24",
      annotations: { [P + "public-ip-overwrite"]: "172.18.0.2" },
    });
    const m = await s.start();
    const lease = await m.acquireLease(
      await m.getNetworkConfig(),
      attrs,
      new AbortController().signal,
    );
    assertEquals(lease.attrs.publicIP?.toString(), "198.18.0.1");
    const ann = (s.api.node("n1")!.metadata as { annotations: Record<string, string> }).annotations;
    assertEquals(ann[P + "public-ip"], "172.18.0.2");
    assert(
      s.logs.some((l) =>
        l.includes(
          `Overriding public ip with '172.18.0.2' from node annotation '${P}public-ip-overwrite'`,
        )
      ),
    );
  } finally {
    await s.close();
  }
});

Deno.test("completeLease sets NetworkUnavailable=False unless disabled", async () => {
  for (const enabled of [true, false]) {
    const s = await setup();
    try {
      s.api.addNode("n1", { podCIDR: "10.244.1.0/24" });
      const m = await s.start({ setNodeNetworkUnavailable: enabled });
      const stop = new AbortController();
      const lease = await m.acquireLease(await m.getNetworkConfig(), attrs, stop.signal);
      const running = m.completeLease(lease, stop.signal);
      const conds = () =>
        (s.api.node("n1")!.status as {
          conditions: { type: string; status: string; reason?: string }[];
        })
          .conditions.map((c) => `${c.type}=${c.status} ${c.reason}`);
      if (enabled) await waitFor("condition", () => conds().length === 2);
      else await new Promise((r) => setTimeout(r, 200));
      assertEquals(
        conds(),
        enabled
          ? ["Ready=True KubeletReady", "NetworkUnavailable=False FlannelIsUp"]
          : ["Ready=True KubeletReady"],
      );
      stop.abort();
      await running;
    } finally {
      await s.close();
    }
  }
});

Deno.test("getStoredHints restores the VTEP MACs and node-public-ip", async () => {
  const s = await setup('{"Network":"10.244.0.0/16","EnableIPv6":true,"IPv6Network":"fd00::/56"}');
  try {
    s.api.addNode("n1", {
      podCIDRs: ["10.244.1.0/24", "fd00::/64"],
      annotations: {
        [P + "backend-data"]: '{"VNI":1,"VtepMAC":"12:c6:65:89:b4:e3"}',
        [P + "backend-v6-data"]: '{"VNI":1,"VtepMAC":"12:c6:65:89:b4:e4"}',
        [P + "node-public-ip"]: "203.0.113.7",
      },
    });
    const m = await s.start();
    assertEquals(await m.getStoredHints(), {
      macV4: "12:c6:65:89:b4:e3",
      macV6: "12:c6:65:89:b4:e4",
      publicIP: "203.0.113.7",
      publicIPv6: null,
    });
  } finally {
    await s.close();
  }
});

Deno.test("getStoredHints restores the VTEP MAC under a custom annotation prefix (upstream misses it)", async () => {
  // --kube-annotation-prefix=example.com/net → names `example.com/net-backend-data`; upstream's
  // GetStoredMacAddresses looks for `example.com/net/backend-data` (not even a valid
  // annotation key) and never finds the MAC.
  const s = await setup();
  try {
    s.api.addNode("n1", {
      podCIDR: "10.244.1.0/24",
      annotations: {
        "example.com/net-backend-data": '{"VNI":1,"VtepMAC":"12:c6:65:89:b4:e5"}',
      },
    });
    const m = await s.start({ annotationPrefix: "example.com/net" });
    assertEquals((await m.getStoredHints()).macV4, "12:c6:65:89:b4:e5");
  } finally {
    await s.close();
  }
});

Deno.test("dual stack: an update of the IPv6 data alone is reported (upstream drops it)", async () => {
  const s = await setup('{"Network":"10.244.0.0/16","EnableIPv6":true,"IPv6Network":"fd00::/56"}');
  try {
    s.api.addNode("n1", { podCIDRs: ["10.244.1.0/24", "fd00::/64"] });
    const dual = managed(2, {
      [P + "public-ipv6"]: "fc00::2",
      [P + "backend-v6-data"]: '{"VNI":1,"VtepMAC":"0a:00:00:00:06:02"}',
    });
    s.api.addNode("n2", { ...dual, podCIDRs: ["10.244.2.0/24", "fd00:0:0:2::/64"] });
    const m = await s.start();
    const view = new LeaseView(m);
    await waitFor("snapshot", () => view.results.length === 1);
    s.api.setAnnotations("n2", {
      [P + "backend-v6-data"]: '{"VNI":1,"VtepMAC":"0a:00:00:00:06:22"}',
    });
    await waitFor("event", () => view.results.length === 2);
    const r = view.results[1]!;
    assert(r.kind === "events");
    assertEquals(r.events[0]!.lease.ipv6Subnet?.toString(), "fd00:0:0:2::/64");
    assertEquals(
      (r.events[0]!.lease.attrs.backendV6Data as { VtepMAC: string }).VtepMAC,
      "0a:00:00:00:06:22",
    );
    await view.stop();
  } finally {
    await s.close();
  }
});

Deno.test("start-up errors carry upstream's messages", async (t) => {
  const s = await setup();
  try {
    s.api.addPod("kube-flannel", "p1", "n1");
    s.api.addNode("n1", { podCIDR: "10.244.1.0/24" });
    await t.step("node name from the pod", async () => {
      const m = await s.start({ env: { POD_NAME: "p1", POD_NAMESPACE: "kube-flannel" } });
      assertEquals(m.nodeName, "n1");
    });
    const cases: [string, Partial<Parameters<typeof s.start>[0]>, string][] = [
      ["no names", { env: {} }, "env variables POD_NAME and POD_NAMESPACE must be set"],
      [
        "missing pod",
        { env: { POD_NAME: "px", POD_NAMESPACE: "kube-flannel" } },
        "error retrieving pod spec for 'kube-flannel/px': Kubernetes API error on get \"pods\": 404 NotFound",
      ],
      ["no net-conf", { netConfigPath: `${s.dir}/none.json` }, "failed to read net conf: "],
      [
        "bad net-conf",
        { readTextFile: () => Promise.resolve("{") },
        "error parsing subnet config: Invalid JSON",
      ],
      [
        "bad prefix",
        { annotationPrefix: "org" },
        "subnet/kube: prefix must be in a format: fqdn/[0-9a-z-_]*",
      ],
      [
        "bad depth",
        { env: { NODE_NAME: "n1", EVENT_QUEUE_DEPTH: "x" } },
        "env EVENT_QUEUE_DEPTH=x format error",
      ],
    ];
    for (const [what, extra, msg] of cases) {
      await t.step(what, async () => {
        await assertRejects(() => s.start(extra!), Error, msg);
      });
    }
    await t.step("pod CIDR outside the Network", async () => {
      const m = await s.start({
        readTextFile: () => Promise.resolve('{"Network":"10.99.0.0/16"}'),
      });
      await assertRejects(
        async () => m.acquireLease(await m.getNetworkConfig(), attrs, new AbortController().signal),
        ConfigError,
        `subnet "10.99.0.0/16" specified in the flannel net config doesn't contain "10.244.1.0/24" PodCIDR of the "n1" node`,
      );
    });
  } finally {
    await s.close();
  }
});

Deno.test("kube mode ignores net-conf's SubnetLen: remote pod CIDRs of any length inside pass", async () => {
  const s = await setup();
  try {
    const m = await s.start({
      readTextFile: () => Promise.resolve('{"Network":"10.244.0.0/16","SubnetLen":26}'),
    });
    const config = await m.getNetworkConfig();
    assertEquals([config.subnetLen, config.ipv6SubnetLen], [0, 0]);
    const ctx = { config, onLink: [], own: null };
    const check = (cidr: string) =>
      leaseProblem({ subnet: parseCIDR(cidr), ipv6Subnet: null }, ctx);
    assertEquals(check("10.244.2.0/24"), null, "a /24 podCIDR though SubnetLen says 26");
    assertEquals(check("10.244.3.0/26"), null);
    assertEquals(
      check("10.244.0.0/16"),
      'subnet "10.244.0.0/16" covers the whole Network "10.244.0.0/16"',
    );
  } finally {
    await s.close();
  }
});

Deno.test("node name from the pod: an API server not reachable yet is waited for, with a line", async () => {
  const s = await setup();
  try {
    s.api.addPod("kube-flannel", "p1", "n1");
    s.api.addNode("n1", { podCIDR: "10.244.1.0/24" });
    const env = { POD_NAME: "p1", POD_NAMESPACE: "kube-flannel" };
    let restarting = s.api.restart({ downMs: 2500 });
    await new Promise((r) => setTimeout(r, 100));
    const m = await s.start({ env });
    await restarting;
    assertEquals(m.nodeName, "n1");
    const said = s.logs.filter((l) =>
      l.includes(
        "Failed to get pod 'kube-flannel/p1' for the node name: Cannot reach the Kubernetes API",
      )
    );
    assert(said.length >= 1 && said[0]!.includes("(retrying in 1s)"), s.logs.join(""));
    // Still down: a stop signal ends the wait at once.
    restarting = s.api.restart({ downMs: 2000 });
    await new Promise((r) => setTimeout(r, 100));
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 300);
    const t0 = Date.now();
    await assertRejects(() => s.start({ env, signal: stop.signal }));
    assert(Date.now() - t0 < 1500);
    await restarting;
  } finally {
    await s.close();
  }
});

Deno.test("a --net-config-path that is a FIFO ends the start with a message, never hangs", async () => {
  const s = await setup();
  const fifo = `${s.dir}/fifo.json`;
  await makeFifo(fifo);
  const stop = unblockAfter([fifo], 2000); // a reader stuck on the FIFO gets "" instead of hanging
  try {
    s.api.addNode("n1", { podCIDR: "10.244.1.0/24" });
    await assertRejects(
      () => s.start({ env: { NODE_NAME: "n1" }, netConfigPath: fifo }),
      ConfigError,
      `failed to read net conf: "${fifo}" is a FIFO, not a regular file`,
    );
  } finally {
    await stop();
    await s.close();
  }
});

Deno.test("alloc backend: no informer, our node read directly", async () => {
  const s = await setup('{"Network":"10.244.0.0/16","Backend":{"Type":"alloc"}}');
  try {
    s.api.addNode("n1", { podCIDR: "10.244.1.0/24" });
    s.api.addNode("n2", managed(2));
    const m = await s.start();
    assertEquals(m.informer, null);
    assert(s.logs.some((l) => l.includes("Node controller skips sync")));
    const lease = await m.acquireLease(
      await m.getNetworkConfig(),
      { ...attrs, backendType: "" },
      new AbortController().signal,
    );
    assertEquals(lease.subnet?.toString(), "10.244.1.0/24");
    const stop = new AbortController();
    const it = m.watchLeases(stop.signal)[Symbol.asyncIterator]();
    assertEquals((await it.next()).value, { kind: "snapshot", leases: [] });
    stop.abort();
    assertEquals((await it.next()).done, true);
    assertStringIncludes(s.api.requests.join("\n"), "GET /api/v1/nodes/n1");
  } finally {
    await s.close();
  }
});

Deno.test("importing store/kube.ts loads no npm package (client-node comes with connectKube)", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", new URL("../../store/kube.ts", import.meta.url).pathname],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(out.success, new TextDecoder().decode(out.stderr));
  const graph = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    modules: { specifier: string }[];
  };
  // Node built-ins (`node:fs`) ship inside Deno: no package to load.
  const outside = graph.modules.map((m) => m.specifier).filter((s) =>
    !s.startsWith("file:") && !s.startsWith("node:")
  );
  assertEquals(outside, []);
  assert(graph.modules.some((m) => m.specifier.endsWith("/store/kube/client.ts")));
});

Deno.test("informer sync timeout: upstream's error, or CONT_WHEN_CACHE_NOT_READY=true continues", async () => {
  const s = await setup();
  try {
    s.api.addNode("n1", { podCIDR: "10.244.1.0/24" });
    s.api.deny({ verb: "list", resource: "nodes" });
    await assertRejects(
      () => s.start({ syncTimeoutMs: 300 }),
      ConfigError,
      "error waiting for nodeController to sync state: timed out waiting for the condition",
    );
    const m = await s.start({
      syncTimeoutMs: 300,
      env: { NODE_NAME: "n1", CONT_WHEN_CACHE_NOT_READY: "true" },
    });
    assert(
      s.logs.some((l) =>
        l.includes("Timed out waiting for node controller sync. Continuing anyway.")
      ),
    );
    s.api.allowAll();
    await waitFor("late sync", () => (m.informer?.lists ?? 0) > 0);
  } finally {
    await s.close();
  }
});
