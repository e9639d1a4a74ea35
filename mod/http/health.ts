/**
 * The `--healthz-ip/--healthz-port` server: `/healthz` (alive), `/readyz` (ready once the
 * rules are installed and subnet.env is written), everything else 404 (spec/flannel.md §7).
 *
 * Design notes: bodies, status codes and the 404 text are Go's (`http.ServeMux`), because
 * probes and scripts match them. Readiness is injected as a function, so the agent owns the
 * flag. Closing is graceful and bounded by 3 s, as upstream's `server.Shutdown`.
 *
 * @example
 * ```ts
 * let ready = false;
 * const srv = await startHealthServer({ ip: "0.0.0.0", port: 8081, isReady: () => ready });
 * ready = true; // after subnet.env is written
 * await srv.close();
 * ```
 */
import { FlannelError } from "../errors.ts";
import { type Logger, silentLogger } from "../log.ts";

/** How long a graceful close may take before we stop waiting (upstream: 3 s). */
export const SHUTDOWN_TIMEOUT_MS = 3000;

const TEXT = { "content-type": "text/plain; charset=utf-8" };

/** The health server could not listen (upstream panics; the agent exits instead). */
export class HealthServerError extends FlannelError {
  override name = "HealthServerError";
  constructor(message: string, options?: ErrorOptions) {
    super("EHEALTHZ", message, options);
  }
}

/** The request handler, pure apart from reading `isReady`. */
export function healthHandler(isReady: () => boolean): (req: Request) => Response {
  return (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/healthz") return new Response("flanneld is running", { headers: TEXT });
    if (path === "/readyz") {
      return isReady()
        ? new Response("flanneld is ready", { headers: TEXT })
        : new Response("flanneld is not ready yet", { status: 503, headers: TEXT });
    }
    return new Response("404 page not found\n", { status: 404, headers: TEXT });
  };
}

export interface HealthServerOptions {
  /** Listen address (`--healthz-ip`, default `0.0.0.0`). */
  ip: string;
  /** Listen port (`--healthz-port`); 0 picks a free port (tests). */
  port: number;
  isReady: () => boolean;
  logger?: Logger;
}

export interface HealthServer {
  /** The bound address (the real port when 0 was asked). */
  readonly hostname: string;
  readonly port: number;
  /** Graceful close, waiting at most {@linkcode SHUTDOWN_TIMEOUT_MS}; never rejects. */
  close(): Promise<void>;
}

/** `host:port` as Go's `net.JoinHostPort` writes it (IPv6 in brackets). */
export function joinHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Starts listening; throws {@linkcode HealthServerError} when the address cannot be bound. */
export function startHealthServer(opts: HealthServerOptions): Promise<HealthServer> {
  const log = opts.logger ?? silentLogger;
  const address = joinHostPort(opts.ip, opts.port);
  log.info(`Start healthz server on ${address}`);
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve(
      { hostname: opts.ip, port: opts.port, onListen: () => {} },
      healthHandler(opts.isReady),
    );
  } catch (err) {
    return Promise.reject(
      new HealthServerError(`Cannot start healthz server on "${address}": ${err}`, { cause: err }),
    );
  }
  let closing: Promise<void> | undefined;
  return Promise.resolve({
    hostname: server.addr.hostname,
    port: server.addr.port,
    close: () => closing ??= gracefulClose(server, log),
  });
}

async function gracefulClose(server: Deno.HttpServer, log: Logger): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), SHUTDOWN_TIMEOUT_MS);
  });
  try {
    const late = await Promise.race([server.shutdown().then(() => false), timedOut]);
    if (late) log.error(`Healthz server did not close within ${SHUTDOWN_TIMEOUT_MS} ms`);
  } catch (err) {
    log.error(`Failed to close healthz server: ${err}`);
  } finally {
    clearTimeout(timer);
  }
}
