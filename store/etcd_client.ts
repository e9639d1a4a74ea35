/**
 * The npm:etcd3 client behind store/etcd.ts, configured as upstream's: several endpoints, TLS
 * (`--etcd-cafile/certfile/keyfile`), user and password, plus our fault handling: requests with
 * a deadline, a short circuit-breaker pause after a restart, watch reconnects backing off from
 * 100 ms to 5 s.
 *
 * Design notes: TLS as upstream — a client certificate only when both cert and key files are
 * given; a CA file alone is still used to verify an `https://` server (upstream ignores it).
 * Deno's node:tls refuses an IP address as TLS server name, which is what grpc-js sends for
 * `https://10.0.0.5:2379`; naming the host `10.0.0.5.` (trailing dot: not an IP to that check)
 * works, and the certificate is still verified against the IP (Node's `checkServerIdentity`
 * drops the dot and compares IP SANs). npm:etcd3 shares one set of channel options between
 * hosts, so each IP host gets its own copy.
 */
import { Etcd3, type IOptions, isRecoverableError } from "etcd3";
import {
  circuitBreaker,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleWhen,
  type IBackoff,
} from "cockatiel";
import { Buffer } from "node:buffer";
import { ConfigError, errorText } from "../mod/errors.ts";
import { tryParseIP } from "../mod/ip/mod.ts";
import type { Logger } from "../mod/log.ts";

/** Watch reconnection backoff, as upstream: 100 ms doubling to 5 s (with jitter). */
const WATCH_BACKOFF = { initialDelay: 100, maxDelay: 5000 };

export interface EtcdConnectOptions {
  /** `--etcd-endpoints`: `http(s)://host:port` or `unix:///path/sock:0`. */
  endpoints: string[];
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  username?: string;
  /** Sent to etcd only; never logged. */
  password?: string;
  /** Deadline of each request (default 10 s). */
  requestTimeoutMs?: number;
}

/**
 * `host:port` without a scheme, as Go's clientv3 accepts it: http, or https when TLS files are
 * given (grpc-js would otherwise resolve it as a name and report a refused connection only at
 * the request deadline).
 */
export function withScheme(endpoint: string, tls: boolean): string {
  return endpoint.includes("://") ? endpoint : `${tls ? "https" : "http"}://${endpoint}`;
}

/** An endpoint for logs: any `user:password@` removed. */
export function showEndpoint(e: string): string {
  return e.replace(/\/\/[^/@]*@/, "//");
}

/** grpc-js's text, shortened: `no connection: connect ECONNREFUSED 127.0.0.1:2379`. */
export function describeEtcdError(err: unknown): string {
  let text = errorText(err);
  const lost =
    /No connection established\. Last error: (?:\w*Error(?: \[\w+\])?: )?(.*?)\.?(?: Resolution note:.*)?$/s
      .exec(text);
  if (lost) text = `no connection: ${lost[1]}`;
  return /certificate|ssl|tls|handshake/i.test(text)
    ? `${text} (check --etcd-cafile, --etcd-certfile and --etcd-keyfile)`
    : text;
}

async function readFlagFile(flag: string, f: string | undefined): Promise<Buffer | null> {
  if (!f) return null;
  try {
    return Buffer.from(await Deno.readFile(f));
  } catch (err) {
    throw new ConfigError(`Cannot read --etcd-${flag} "${f}": ${errorText(err)}`, { cause: err });
  }
}

/**
 * Builds the client (reading the TLS files; {@linkcode ConfigError} when one is unreadable).
 * Does not contact etcd: the first request does.
 */
export async function connectEtcd(opts: EtcdConnectOptions, log: Logger): Promise<Etcd3> {
  const [ca, cert, key] = await Promise.all([
    readFlagFile("cafile", opts.caFile),
    readFlagFile("certfile", opts.certFile),
    readFlagFile("keyfile", opts.keyFile),
  ]);
  const timeout = opts.requestTimeoutMs ?? 10_000;
  const endpoints = opts.endpoints.map((e) => withScheme(e, Boolean(ca || (cert && key))));
  const options: IOptions = {
    hosts: endpoints,
    dialTimeout: timeout,
    defaultCallOptions: (c) => (c.isStream ? {} : { deadline: Date.now() + timeout }),
    faultHandling: {
      // npm:etcd3's default keeps a failed host out for 5 s; come back sooner after a restart.
      host: () =>
        circuitBreaker(handleWhen(isRecoverableError), {
          halfOpenAfter: 1000,
          breaker: new ConsecutiveBreaker(3),
        }),
      // npm:etcd3 types this as a backoff but calls it as the factory it is.
      watchBackoff: new ExponentialBackoff(WATCH_BACKOFF) as unknown as IBackoff<unknown>,
    },
  };
  const https = endpoints.some((e) => e.startsWith("https:"));
  if (cert && key) {
    // grpc-js takes a null root certificate as "the system's roots".
    options.credentials = { rootCertificate: ca as Buffer, privateKey: key, certChain: cert };
  } else {
    log.warn("no certificate provided: connecting to etcd with http. This is insecure");
    if (ca && https) options.credentials = { rootCertificate: ca };
  }
  if (opts.username) options.auth = { username: opts.username, password: opts.password ?? "" };
  const client = new Etcd3(options);
  if (options.credentials || https) nameIPHostsForTls(client);
  return client;
}

/** See the module's design notes. */
function nameIPHostsForTls(client: Etcd3): void {
  type Host = { host: string; channelOptions?: Record<string, unknown> };
  const hosts = (client as unknown as { pool?: { hosts?: Host[] } }).pool?.hosts ?? [];
  for (const h of hosts) {
    const ip = tryParseIP(/^\[?(.+?)\]?:\d+$/.exec(h.host)?.[1] ?? "");
    if (ip === null) continue;
    h.channelOptions = { ...h.channelOptions, "grpc.ssl_target_name_override": `${ip}.` };
  }
}
