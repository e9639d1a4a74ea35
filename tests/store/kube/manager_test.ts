/**
 * KubeSubnetManager details not covered end to end in tests/store/kube_test.ts: the trimmed
 * cache entry, hints when the API is down, and completeLease retrying until it can write.
 */
import { assert, assertEquals, assertRejects } from "../../harness/assert.ts";
import { StoreUnavailableError } from "../../../mod/subnet/store.ts";
import { KubeApiError } from "../../../store/kube/errors.ts";
import { managed, P, setup, waitFor } from "../../harness/kube_manager.ts";

Deno.test("trimNode() keeps name, resourceVersion, pod CIDRs and our annotations only", async () => {
  const s = await setup();
  try {
    s.api.addNode("n1", { podCIDR: "10.244.1.0/24" });
    const m = await s.start();
    const big = {
      metadata: {
        name: "x",
        resourceVersion: "7",
        labels: { a: "b" },
        annotations: { [P + "public-ip"]: "1.2.3.4", "node.alpha.kubernetes.io/ttl": "0" },
      },
      spec: { podCIDR: "10.244.1.0/24", podCIDRs: ["10.244.1.0/24"], providerID: "x" },
      status: { images: [{ names: ["a"], sizeBytes: 1 }] },
    };
    assertEquals(m.trimNode(big), {
      metadata: { name: "x", resourceVersion: "7", annotations: { [P + "public-ip"]: "1.2.3.4" } },
      spec: { podCIDR: "10.244.1.0/24", podCIDRs: ["10.244.1.0/24"] },
    });
  } finally {
    await s.close();
  }
});

Deno.test("getStoredHints() falls back to the cache when the GET is refused", async () => {
  const s = await setup();
  try {
    s.api.addNode("n1", managed(1, { [P + "node-public-ip"]: "203.0.113.1" }));
    const m = await s.start();
    s.api.deny({ verb: "get", resource: "nodes" });
    const hints = await m.getStoredHints();
    assertEquals(hints.macV4, "0a:00:00:00:00:01");
    assertEquals(hints.publicIP, "203.0.113.1");
    assert(
      s.logs.some((l) =>
        l.includes("Failed to get node for backend data: Kubernetes API refused to get")
      ),
    );
  } finally {
    await s.close();
  }
});

Deno.test("completeLease() retries the condition until RBAC allows it", async () => {
  const s = await setup();
  try {
    s.api.addNode("n1", { podCIDR: "10.244.1.0/24" });
    const m = await s.start();
    const stop = new AbortController();
    const attrs = { publicIP: null, publicIPv6: null, backendType: "host-gw" };
    const lease = await m.acquireLease(await m.getNetworkConfig(), attrs, stop.signal);
    s.api.deny({ verb: "patch", resource: "nodes/status" });
    const running = m.completeLease(lease, stop.signal);
    await waitFor(
      "refusal logged",
      () => s.logs.some((l) => l.includes("Failed to set the NetworkUnavailable condition")),
    );
    s.api.allowAll();
    await waitFor(
      "condition set",
      () => s.logs.some((l) => l.includes('Set condition NetworkUnavailable=False on node "n1"')),
    );
    stop.abort();
    await running;
  } finally {
    await s.close();
  }
});

Deno.test("acquireLease(): an unreachable API is StoreUnavailableError (retried), a 403 is not", async () => {
  const s = await setup();
  try {
    s.api.addNode("n1", { podCIDR: "10.244.1.0/24" });
    const m = await s.start();
    const attrs = { publicIP: null, publicIPv6: null, backendType: "host-gw" };
    s.api.deny({ verb: "patch", resource: "nodes/status" });
    const refused = await assertRejects(
      async () => m.acquireLease(await m.getNetworkConfig(), attrs, new AbortController().signal),
      KubeApiError,
    );
    assertEquals(refused.status, 403);
    await s.api.close();
    await assertRejects(
      async () => m.acquireLease(await m.getNetworkConfig(), attrs, new AbortController().signal),
      StoreUnavailableError,
      "Cannot reach the Kubernetes API",
    );
  } finally {
    await s.close().catch(() => {});
  }
});
