import { assertEquals, assertThrows } from "../../harness/assert.ts";
import {
  eventQueueDepth,
  isPlainHTTP,
  kubeTarget,
  nodeNameSource,
} from "../../../store/kube/config.ts";
import { ConfigError } from "../../../mod/errors.ts";

Deno.test("kubeTarget() follows BuildConfigFromFlags: kubeconfig, URL, in-cluster", () => {
  const env = { KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "443" };
  assertEquals(kubeTarget({ kubeApiUrl: "", kubeconfigFile: "/k", env }), {
    kind: "kubeconfig",
    path: "/k",
    server: null,
  });
  assertEquals(kubeTarget({ kubeApiUrl: "https://a:6443/", kubeconfigFile: "/k", env }), {
    kind: "kubeconfig",
    path: "/k",
    server: "https://a:6443",
  });
  assertEquals(kubeTarget({ kubeApiUrl: "http://127.0.0.1:8080", kubeconfigFile: "", env }), {
    kind: "url",
    server: "http://127.0.0.1:8080",
  });
  assertEquals(kubeTarget({ kubeApiUrl: "", kubeconfigFile: "", env, serviceAccountDir: "/sa" }), {
    kind: "in-cluster",
    server: "https://10.96.0.1:443",
    caFile: "/sa/ca.crt",
    tokenFile: "/sa/token",
  });
  const v6 = { KUBERNETES_SERVICE_HOST: "fd00::1", KUBERNETES_SERVICE_PORT: "443" };
  assertEquals(
    kubeTarget({ kubeApiUrl: "", kubeconfigFile: "", env: v6 }).server,
    "https://[fd00::1]:443",
  );
});

Deno.test("kubeTarget() refuses what cannot work", () => {
  assertThrows(
    () => kubeTarget({ kubeApiUrl: "", kubeconfigFile: "", env: {} }),
    ConfigError,
    "fail to create kubernetes config: unable to load in-cluster configuration",
  );
  assertThrows(
    () => kubeTarget({ kubeApiUrl: "ftp://x", kubeconfigFile: "", env: {} }),
    ConfigError,
    "must be http",
  );
  assertThrows(
    () => kubeTarget({ kubeApiUrl: "::", kubeconfigFile: "", env: {} }),
    ConfigError,
    "invalid --kube-api-url",
  );
});

Deno.test("isPlainHTTP() only for http:// (TLS is never relaxed)", () => {
  assertEquals([isPlainHTTP("http://a"), isPlainHTTP("https://a")], [true, false]);
});

Deno.test("nodeNameSource(): NODE_NAME, else the pod, else upstream's error", () => {
  assertEquals(nodeNameSource({ NODE_NAME: "n1", POD_NAME: "p" }), { nodeName: "n1", pod: null });
  assertEquals(nodeNameSource({ POD_NAME: "p", POD_NAMESPACE: "ns" }), {
    nodeName: null,
    pod: { namespace: "ns", name: "p" },
  });
  assertThrows(
    () => nodeNameSource({ POD_NAME: "p" }),
    ConfigError,
    "env variables POD_NAME and POD_NAMESPACE must be set",
  );
});

Deno.test("eventQueueDepth(): default 5000, ≤ 0 keeps it, garbage is upstream's error", () => {
  assertEquals(eventQueueDepth({}), 5000);
  assertEquals(eventQueueDepth({ EVENT_QUEUE_DEPTH: "100" }), 100);
  assertEquals(eventQueueDepth({ EVENT_QUEUE_DEPTH: "-3" }), 5000);
  assertThrows(
    () => eventQueueDepth({ EVENT_QUEUE_DEPTH: "1.5" }),
    ConfigError,
    'env EVENT_QUEUE_DEPTH=1.5 format error: strconv.Atoi: parsing "1.5": invalid syntax',
  );
});
