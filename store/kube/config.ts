/**
 * Where the Kubernetes API is and how to authenticate (upstream `BuildConfigFromFlags`):
 * `--kubeconfig-file` (with `--kube-api-url` overriding its server), `--kube-api-url` alone,
 * or, when both are empty, the in-cluster service account. Pure: the environment and the
 * service-account directory are parameters, and the result is a plain description that
 * client.ts turns into a client-node `KubeConfig`.
 *
 * Design notes: client-node 2.x refuses an `http://` server unless `skipTLSVerify` is set,
 * which means nothing without TLS; we set it for `http://` servers only, so a plain-HTTP API
 * URL works as it does with client-go, and TLS is never weakened.
 */
import { ConfigError } from "../../mod/errors.ts";

/** Default directory of the in-cluster service-account token and CA. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

export type KubeTarget =
  | { kind: "kubeconfig"; path: string; server: string | null }
  | { kind: "url"; server: string }
  | { kind: "in-cluster"; server: string; caFile: string; tokenFile: string };

export interface TargetOptions {
  kubeApiUrl: string;
  kubeconfigFile: string;
  env: Readonly<Record<string, string | undefined>>;
  serviceAccountDir?: string;
}

function checkURL(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConfigError(`fail to create kubernetes config: invalid --kube-api-url "${url}"`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    throw new ConfigError(
      `fail to create kubernetes config: --kube-api-url "${url}" must be http:// or https://`,
    );
  }
  return url.replace(/\/+$/, "");
}

/** Chooses how to reach the API server; throws {@linkcode ConfigError} with upstream's wording. */
export function kubeTarget(o: TargetOptions): KubeTarget {
  if (o.kubeconfigFile !== "") {
    return {
      kind: "kubeconfig",
      path: o.kubeconfigFile,
      server: o.kubeApiUrl === "" ? null : checkURL(o.kubeApiUrl),
    };
  }
  if (o.kubeApiUrl !== "") return { kind: "url", server: checkURL(o.kubeApiUrl) };
  const host = o.env.KUBERNETES_SERVICE_HOST ?? "";
  const port = o.env.KUBERNETES_SERVICE_PORT ?? "";
  if (host === "" || port === "") {
    throw new ConfigError(
      "fail to create kubernetes config: unable to load in-cluster configuration, " +
        "KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined " +
        "(or give --kubeconfig-file or --kube-api-url)",
    );
  }
  const dir = o.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const h = host.includes(":") ? `[${host}]` : host;
  return {
    kind: "in-cluster",
    server: `https://${h}:${port}`,
    caFile: `${dir}/ca.crt`,
    tokenFile: `${dir}/token`,
  };
}

/** Whether client-node must be told to skip TLS checks: only for plain-HTTP servers. */
export function isPlainHTTP(server: string): boolean {
  return server.startsWith("http:");
}

export interface NodeNameSource {
  nodeName: string | null;
  pod: { namespace: string; name: string } | null;
}

/**
 * Where our node name comes from (upstream): `NODE_NAME`, else the pod `POD_NAMESPACE/POD_NAME`
 * (its `spec.nodeName` is read from the API). Throws upstream's message when neither is set.
 */
export function nodeNameSource(env: Readonly<Record<string, string | undefined>>): NodeNameSource {
  const nodeName = env.NODE_NAME ?? "";
  if (nodeName !== "") return { nodeName, pod: null };
  const name = env.POD_NAME ?? "";
  const namespace = env.POD_NAMESPACE ?? "";
  if (name === "" || namespace === "") {
    throw new ConfigError("env variables POD_NAME and POD_NAMESPACE must be set");
  }
  return { nodeName: null, pod: { namespace, name } };
}

/**
 * `EVENT_QUEUE_DEPTH` (upstream default 5000; ≤ 0 keeps it): here the most events handed over
 * in one watch batch. Throws upstream's message for a non-integer.
 */
export function eventQueueDepth(env: Readonly<Record<string, string | undefined>>): number {
  const text = env.EVENT_QUEUE_DEPTH ?? "";
  if (text === "") return 5000;
  if (!/^[+-]?\d+$/.test(text)) {
    throw new ConfigError(
      `env EVENT_QUEUE_DEPTH=${text} format error: strconv.Atoi: parsing "${text}": invalid syntax`,
    );
  }
  const n = Number(text);
  return n > 0 ? n : 5000;
}
