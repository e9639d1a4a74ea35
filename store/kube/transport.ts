/**
 * Transport details under client.ts: an HTTP/1.1 connection pool for client-node's undici
 * (see {@linkcode http1Pool} for why) and a line reader for watch streams with an idle
 * timeout.
 */

interface Closable {
  close(): Promise<void>;
}

interface ClusterLike {
  server: string;
  skipTLSVerify?: boolean;
  proxyUrl?: string;
}

/** client-node's (TypeScript-private, documented) dispatcher hooks. */
interface DispatcherHooks {
  createDispatcher(cluster: ClusterLike | null, agentOptions: Record<string, unknown>): unknown;
  createDispatcherOptions(
    cluster: ClusterLike | null,
    agentOptions: Record<string, unknown>,
  ): { connect?: unknown };
}

/**
 * Makes every HTTPS request go over one HTTP/1.1 connection pool. undici (under client-node)
 * negotiates HTTP/2 by default, and Deno's node:http2 aborts the whole process
 * (`nghttp2_session.c: find_stream_on_goaway_func: Assertion ... failed`) when the server
 * goes away — every API server restart would kill the agent. The pool is undici's own Agent
 * class (taken from the dispatcher client-node builds) with `allowH2: false`; proxies are
 * left to client-node. Returns the pool's closer.
 */
export function http1Pool(kc: object): () => Promise<void> {
  const hooks = kc as DispatcherHooks;
  const make = hooks.createDispatcher.bind(kc);
  let pool: { key: string; agent: Closable } | null = null;
  hooks.createDispatcher = (cluster, agentOptions) => {
    if (!cluster?.server.startsWith("https:") || cluster.proxyUrl) {
      return make(cluster, agentOptions);
    }
    const opts = { rejectUnauthorized: !cluster.skipTLSVerify, ...agentOptions };
    const key = JSON.stringify(opts);
    if (pool?.key === key) return pool.agent;
    const probe = make(cluster, opts) as Closable;
    const Agent = probe.constructor as new (o: unknown) => Closable;
    void probe.close();
    const { connect } = hooks.createDispatcherOptions(cluster, opts);
    void pool?.agent.close();
    pool = { key, agent: new Agent({ connect, allowH2: false }) };
    return pool.agent;
  };
  return async () => {
    await pool?.agent.close();
    pool = null;
  };
}

/**
 * Splits a byte stream into lines until it ends or `signal` aborts; aborts `ctrl` (which
 * `signal` follows) after `idleMs` of silence.
 */
export async function readLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
  idleMs: number,
  ctrl: AbortController,
  signal: AbortSignal,
): Promise<void> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  let timer = setTimeout(() => ctrl.abort(), idleMs);
  const cancel = () => reader.cancel().catch(() => {});
  if (signal.aborted) cancel();
  signal.addEventListener("abort", cancel, { once: true });
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      clearTimeout(timer);
      timer = setTimeout(() => ctrl.abort(), idleMs);
      buf += decoder.decode(value, { stream: true });
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line !== "") onLine(line);
      }
    }
    if (buf.trim() !== "") onLine(buf.trim());
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", cancel);
    reader.releaseLock();
  }
}
