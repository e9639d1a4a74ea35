/**
 * The typed rtnetlink client: one request connection in one network namespace, with the
 * operations grouped like iproute2's objects (`nl.link.add`, `nl.addr.replace`,
 * `nl.route.get`, `nl.neigh.replace`, `nl.fdb.append`), batching, and event subscriptions.
 *
 * @example
 * ```ts
 * using nl = Rtnl.open({ netns: "/var/run/netns/pod1" });
 * nl.link.set("eth0", { up: true });
 * const errors = nl.batch([neighReplace(n), fdbReplace(f), routeReplace(r)]);
 * ```
 */
import type { Request } from "./codec/message.ts";
import { type BatchResult, Conn } from "./conn.ts";
import {
  type EventGroup,
  subscribe,
  type Subscription,
  type SubscriptionOptions,
} from "./events.ts";
import { AddrOps } from "./ops/addr.ts";
import { LinkOps } from "./ops/link.ts";
import { FdbOps, NeighOps } from "./ops/neigh.ts";
import { RouteOps } from "./ops/route.ts";
import { NetlinkSocket } from "./socket.ts";

/** Options of {@linkcode Rtnl.open}. */
export interface RtnlOptions {
  /** Open the connection inside this netns (`/var/run/netns/<name>`, `/proc/<pid>/ns/net`). */
  netns?: string;
  /** How long one reply may take before ETIMEDOUT (default 10 s). */
  timeoutMs?: number;
  /** Messages per sendto in {@linkcode Rtnl.batch} (default 128). */
  batchSize?: number;
  /** SO_RCVBUF of the socket (default 4 MiB): room for a large batch's error replies. */
  rcvbufBytes?: number;
}

/** An rtnetlink client bound to one network namespace. Synchronous; close it when done. */
export class Rtnl implements Disposable {
  readonly conn: Conn;
  readonly link: LinkOps;
  readonly addr: AddrOps;
  readonly route: RouteOps;
  readonly neigh: NeighOps;
  readonly fdb: FdbOps;
  readonly #netns: string | undefined;

  /** Wraps an existing connection (tests inject a fake transport this way). */
  constructor(conn: Conn, netns?: string) {
    this.conn = conn;
    this.#netns = netns;
    this.link = new LinkOps(conn);
    this.addr = new AddrOps(conn);
    this.route = new RouteOps(conn);
    this.neigh = new NeighOps(conn);
    this.fdb = new FdbOps(conn);
  }

  /**
   * Opens a connection in the current netns, or inside `opts.netns` (the socket is created
   * there with setns and stays there; the calling thread returns at once).
   */
  static open(opts: RtnlOptions = {}): Rtnl {
    const sock = NetlinkSocket.open({
      timeoutMs: opts.timeoutMs ?? 10_000,
      rcvbufBytes: opts.rcvbufBytes ?? 4 << 20,
      ...(opts.netns === undefined ? {} : { netns: opts.netns }),
    });
    const conn = new Conn(sock, opts.batchSize === undefined ? {} : { batchSize: opts.batchSize });
    return new Rtnl(conn, opts.netns);
  }

  /**
   * Sends many requests (built with `neighReplace`, `fdbReplace`, `routeReplace`, …),
   * 64–256 per sendto; returns one result per request in order: null, or its NetlinkError.
   */
  batch(reqs: readonly Request[]): BatchResult[] {
    return this.conn.batch(reqs);
  }

  /** Subscribes to notifications in this connection's netns (see `subscribe`). */
  subscribe(groups: readonly EventGroup[], opts: SubscriptionOptions = {}): Subscription {
    return subscribe(groups, this.#netns === undefined ? opts : { ...opts, netns: this.#netns });
  }

  close(): void {
    this.conn.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
