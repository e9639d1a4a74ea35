/**
 * A real etcd 3.4 (Debian `etcd-server`) for tests, benchmarks and the demo: loopback only,
 * free ports, a temporary directory under /dev/shm (fast fsync), stopped and removed by
 * {@linkcode EtcdServer.close} — {@linkcode withEtcd} does that in `finally`.
 *
 * Options: TLS with client-certificate auth and a throwaway CA (plus a second, unrelated CA
 * for "wrong CA" tests); a unix-socket listener so agents inside network namespaces reach
 * etcd without any route (plain HTTP only). Restart keeps the data directory and ports; wipe
 * keeps the ports only.
 *
 * Unix socket (notes §3.1): etcd 3.4 accepts only `unix://<name>:<port>`, and creates a file
 * literally named `<name>:<port>` in its working directory; we start etcd in the temp
 * directory and clients use {@linkcode EtcdServer.unixEndpoint}
 * (`unix:///dev/shm/etcd-x/etcd.sock:0`), which etcdctl, npm:etcd3 (grpc-js) and upstream
 * flanneld v0.22.0 (Go's clientv3, tests/netns/upstream) all accept:
 * `--etcd-endpoints unix:///dev/shm/etcd-x/etcd.sock:0`. Sockets live in the file system,
 * which network namespaces share.
 *
 * @example
 * ```ts
 * await withEtcd({ unixSocket: true }, async (etcd) => {
 *   await etcd.etcdctl("put", "/coreos.com/network/config", '{"Network":"10.5.0.0/16"}');
 *   // agents: --etcd-endpoints etcd.unixEndpoint (inside namespaces) or etcd.endpoint
 *   await etcd.restart();
 *   await etcd.compact();
 *   await etcd.wipe(); // restarted empty: the store lost its data
 * });
 * ```
 */
import { type CertFiles, issueCert, makeCA } from "./pki.ts";
import { run } from "./netns.ts";

export interface EtcdOptions {
  /** HTTPS with client-certificate auth (`--client-cert-auth`) and a throwaway CA. */
  tls?: boolean;
  /** Also listen on a unix socket ({@linkcode EtcdServer.unixEndpoint}); not with `tls`. */
  unixSocket?: boolean;
  /** Parent of the temp directory (default /dev/shm when present, else the system temp). */
  parentDir?: string;
}

/** Client-side TLS material of a TLS etcd: files for `--etcd-cafile/certfile/keyfile`. */
export interface EtcdTls extends CertFiles {
  caFile: string;
  /** A CA that did not sign the server certificate (for "wrong CA" tests). */
  wrongCaFile: string;
}

const SOCKET = "etcd.sock:0";
/** etcd (zap logger) prints this once per client listener when it serves (after ReadyNotify). */
const SERVING = '"msg":"serving client traffic';

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function makeTls(dir: string): Promise<{ client: EtcdTls; server: CertFiles }> {
  await Deno.mkdir(dir);
  const ca = await makeCA(dir, "etcd-ca");
  const wrong = await makeCA(dir, "other-ca");
  const sans = ["IP:127.0.0.1", "DNS:localhost"];
  const server = await issueCert(ca, dir, "server", { sans, server: true, client: true });
  const client = await issueCert(ca, dir, "client", { client: true });
  return { client: { ...client, caFile: ca.certFile, wrongCaFile: wrong.certFile }, server };
}

/** One etcd member; see the module doc. Create with {@linkcode EtcdServer.start}. */
export class EtcdServer {
  /** `http://127.0.0.1:<port>` or `https://…` with `tls`. */
  readonly endpoint: string;
  /** `unix:///…/etcd.sock:0` when started with `unixSocket`, else null. */
  readonly unixEndpoint: string | null;
  readonly dir: string;
  readonly dataDir: string;
  readonly tls: EtcdTls | null;
  readonly #args: string[];
  /** `--initial-cluster-token` after a wipe into a new cluster (null: etcd's default). */
  #token: string | null = null;
  readonly #serverTls: CertFiles | null;
  #child: Deno.ChildProcess | null = null;
  #pumping: Promise<void> = Promise.resolve();
  #log: string[] = [];

  private constructor(
    dir: string,
    ports: [number, number],
    opts: EtcdOptions,
    tls: Awaited<ReturnType<typeof makeTls>> | null,
  ) {
    this.dir = dir;
    this.dataDir = `${dir}/data`;
    this.tls = tls?.client ?? null;
    this.#serverTls = tls?.server ?? null;
    const scheme = tls ? "https" : "http";
    this.endpoint = `${scheme}://127.0.0.1:${ports[0]}`;
    this.unixEndpoint = opts.unixSocket && !tls ? `unix://${dir}/${SOCKET}` : null;
    const peer = `http://127.0.0.1:${ports[1]}`;
    const listen = [this.endpoint, ...(this.unixEndpoint ? [`unix://${SOCKET}`] : [])];
    this.#args = [
      "--name=test",
      `--data-dir=${this.dataDir}`,
      `--listen-client-urls=${listen.join(",")}`,
      `--advertise-client-urls=${this.endpoint}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=test=${peer}`,
      "--logger=zap",
      "--log-outputs=stderr",
      ...(this.#serverTls
        ? [
          `--cert-file=${this.#serverTls.certFile}`,
          `--key-file=${this.#serverTls.keyFile}`,
          `--trusted-ca-file=${this.tls!.caFile}`,
          "--client-cert-auth",
        ]
        : []),
    ];
  }

  /** Starts a fresh member on free ports in a new temp directory. */
  static async start(opts: EtcdOptions = {}): Promise<EtcdServer> {
    const parent = opts.parentDir ?? (await exists("/dev/shm") ? "/dev/shm" : undefined);
    const dir = await Deno.makeTempDir({ prefix: "etcd-", ...(parent ? { dir: parent } : {}) });
    try {
      const tls = opts.tls ? await makeTls(`${dir}/pki`) : null;
      for (let attempt = 1;; attempt++) {
        const server = new EtcdServer(dir, [freePort(), freePort()], opts, tls);
        try {
          await server.start();
          return server;
        } catch (err) {
          // Another process may have taken a port between our probe and etcd's bind.
          if (attempt >= 3) throw err;
          await Deno.remove(server.dataDir, { recursive: true }).catch(() => {});
        }
      }
    } catch (err) {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      throw err;
    }
  }

  get running(): boolean {
    return this.#child !== null;
  }

  /** The last lines etcd logged (for failure reports). */
  logs(): string {
    return this.#log.join("\n");
  }

  /** Starts again (after {@linkcode stop}) on the same ports and data directory. */
  async start(): Promise<void> {
    if (this.#child) return;
    await Deno.remove(`${this.dir}/${SOCKET}`).catch(() => {});
    const child = new Deno.Command("etcd", {
      args: [...this.#args, ...(this.#token ? [`--initial-cluster-token=${this.#token}`] : [])],
      cwd: this.dir,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    const ready = this.#pump(child.stderr);
    const exited = child.status.then((s) => {
      throw new Error(`etcd exited with ${s.code} before it was ready:\n${this.logs()}`);
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`etcd not ready after 20 s:\n${this.logs()}`)),
        20_000,
      );
    });
    try {
      await Promise.race([ready, exited, timeout]);
    } catch (err) {
      await this.stop();
      throw err;
    } finally {
      clearTimeout(timer);
      exited.catch(() => {});
    }
  }

  /** Resolves when etcd says it serves clients; keeps collecting the log afterwards. */
  #pump(stream: ReadableStream<Uint8Array>): Promise<void> {
    let resolve!: () => void;
    const ready = new Promise<void>((r) => (resolve = r));
    let serving = 0;
    const listeners = this.unixEndpoint ? 2 : 1;
    this.#pumping = (async () => {
      let rest = "";
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        const lines = (rest + chunk).split("\n");
        rest = lines.pop()!;
        for (const l of lines) {
          this.#log.push(l);
          if (l.includes(SERVING) && ++serving >= listeners) resolve();
        }
        this.#log.splice(0, Math.max(0, this.#log.length - 200));
      }
    })().catch(() => {});
    return ready;
  }

  /**
   * Stops the process (`signal`, then SIGKILL after 5 s); data and ports are kept. SIGTERM is
   * etcd's graceful stop: it sends connected clients an HTTP/2 GOAWAY.
   */
  async stop(signal: "SIGTERM" | "SIGKILL" = "SIGTERM"): Promise<void> {
    const child = this.#child;
    if (child === null) return;
    this.#child = null;
    try {
      child.kill(signal);
    } catch { /* already exited */ }
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* exited */ }
    }, 5000);
    await child.status;
    clearTimeout(timer);
    await this.#pumping;
  }

  /**
   * Kills, waits `downMs`, starts again with the same data: an abrupt failure, the harder case
   * for a client (no goodbye). Not a graceful stop: with clients connected in the test
   * process, its GOAWAY crashed Deno 2.9.6 (denoland/deno#36788) in 2 of 42 runs of the
   * watch-restart test here, against 0 of 30 with SIGKILL.
   */
  async restart(downMs = 0): Promise<void> {
    await this.stop("SIGKILL");
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.start();
  }

  /**
   * Kills etcd, removes its data directory, waits `downMs` and starts it again empty on the
   * same ports: a member that lost its disk (revision back to 1, same cluster ID). With
   * `newCluster` it bootstraps another cluster there (another token, so another cluster ID), as
   * an etcd rebuilt from scratch. SIGKILL for the reason given at {@linkcode restart}.
   */
  async wipe(downMs = 0, opts: { newCluster?: boolean } = {}): Promise<void> {
    await this.stop("SIGKILL");
    await Deno.remove(this.dataDir, { recursive: true }).catch(() => {});
    if (opts.newCluster) this.#token = `rebuilt-${crypto.randomUUID()}`;
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.start();
  }

  /**
   * Runs `etcdctl` (3.4: API v3 by default) against this member with its TLS files; returns
   * stdout, throws `CommandFailedError` (exit code, stderr) on failure.
   */
  async etcdctl(...args: string[]): Promise<string> {
    const t = this.tls;
    const tlsArgs = t ? [`--cacert=${t.caFile}`, `--cert=${t.certFile}`, `--key=${t.keyFile}`] : [];
    return await run("etcdctl", [`--endpoints=${this.endpoint}`, ...tlsArgs, ...args]);
  }

  /** The current store revision. */
  async revision(): Promise<number> {
    const out = JSON.parse(await this.etcdctl("endpoint", "status", "-w", "json"));
    return Number(out[0].Status.header.revision);
  }

  /** Compacts the history up to `revision` (default: now), physically; returns it. */
  async compact(revision?: number): Promise<number> {
    const rev = revision ?? (await this.revision());
    await this.etcdctl("compact", String(rev), "--physical");
    return rev;
  }

  /** Stops etcd and removes its directory (data, certificates, socket). */
  async close(): Promise<void> {
    await this.stop();
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

/** Runs `fn` with a fresh etcd, closed in `finally` (also on failure). */
export async function withEtcd<T>(
  opts: EtcdOptions,
  fn: (etcd: EtcdServer) => Promise<T>,
): Promise<T> {
  const etcd = await EtcdServer.start(opts);
  try {
    return await fn(etcd);
  } finally {
    await etcd.close();
  }
}
