import { assertEquals } from "../../harness/assert.ts";
import { apiError, unreachable } from "../../../store/kube/errors.ts";

Deno.test("apiError(): a 403 names the verb, the resource and the rules to grant", () => {
  const e = apiError("watch", "nodes", 403, {
    reason: "Forbidden",
    message: 'nodes is forbidden: User "u" cannot watch resource "nodes"',
  });
  assertEquals(
    e.message,
    'Kubernetes API refused to watch "nodes" (403 Forbidden): nodes is forbidden: User "u" cannot ' +
      'watch resource "nodes"; the service account needs the flannel ClusterRole ' +
      "(pods: get; nodes: get, list, watch; nodes/status: patch) bound to it",
  );
  assertEquals([e.code, e.status, e.transient, e.gone], ["EKUBEFORBIDDEN", 403, false, false]);
});

Deno.test("apiError(): other statuses keep the server's reason and message", () => {
  const e = apiError("get", "pods", 404, { reason: "NotFound", message: 'pods "p" not found' });
  assertEquals(e.message, 'Kubernetes API error on get "pods": 404 NotFound: pods "p" not found');
  assertEquals([e.code, e.transient], ["EKUBEAPI", false]);
  assertEquals(apiError("list", "nodes", 410, null).gone, true);
  assertEquals(apiError("list", "nodes", 503, null).transient, true);
});

Deno.test("unreachable(): says where and why", () => {
  const cause = new TypeError("fetch failed", {
    cause: new Error("connect ECONNREFUSED 127.0.0.1:1"),
  });
  const e = unreachable("https://127.0.0.1:1", "list", "nodes", cause);
  assertEquals(
    e.message,
    'Cannot reach the Kubernetes API at https://127.0.0.1:1 (list "nodes"): connect ECONNREFUSED 127.0.0.1:1',
  );
  assertEquals([e.status, e.transient], [0, true]);
});
