/**
 * The agent's rtnetlink connection: {@linkcode RtnlConn} over mod/netlink's `Conn` and FFI
 * socket, opened in the calling process's network namespace (or `netns`), and the kernel's
 * notifications for event-driven repair ({@linkcode kernelEvents}).
 *
 * Design notes: requests run on one synchronous socket (µs per call; the notes measured
 * 500 k neighbour replaces/s batched), so these methods resolve at once; 256 messages per
 * sendto. The receive timeout bounds how long a lost reply can stall the agent.
 */
import { Conn } from "../netlink/conn.ts";
import * as K from "../netlink/codec/consts.ts";
import { subscribe } from "../netlink/events.ts";
import { NetlinkSocket } from "../netlink/socket.ts";
import { type IPAddr, IPNet } from "../ip/mod.ts";
import type { RtnlConn } from "./netlink_kernel.ts";
import type { KernelEvents } from "./repair_loop.ts";

/** Messages per sendto (the notes: 64–256 is the sweet spot). */
export const BATCH_SIZE = 256;
/** How long a request waits for the kernel's reply. */
export const REPLY_TIMEOUT_MS = 5000;

const af = (ip: IPAddr) => (ip.family === 4 ? K.AF_INET : K.AF_INET6);

/** `ip route show table all` of one family. */
const routeDump = (family: number) => ({
  kind: "route" as const,
  type: K.RTM_GETROUTE,
  flags: 0,
  body: { family, tos: 0, rtmTable: 0, protocol: 0, scope: 0, type: 0, flags: 0 },
});

/** `ip neigh show` (AF_BRIDGE: `bridge fdb show`). */
const neighDump = (family: number) => ({
  kind: "neigh" as const,
  type: K.RTM_GETNEIGH,
  flags: 0,
  body: { family, index: 0, state: 0, flags: 0, type: 0 },
});

/** Opens a connection; `close()` it when done. */
export function openRtnl(netns?: string): RtnlConn & { close(): void } {
  const sock = NetlinkSocket.open({
    timeoutMs: REPLY_TIMEOUT_MS,
    rcvbufBytes: 8 << 20,
    ...(netns !== undefined ? { netns } : {}),
  });
  const conn = new Conn(sock, { batchSize: BATCH_SIZE });
  const run = <T>(fn: () => T): Promise<T> => {
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(err);
    }
  };
  return {
    dumpLinks: () =>
      run(() =>
        conn.dump({
          kind: "link",
          type: K.RTM_GETLINK,
          flags: 0,
          body: { family: K.AF_UNSPEC, ifType: 0, index: 0, flags: 0, change: 0 },
        })
      ),
    dumpAddrs: (family) =>
      run(() =>
        conn.dump({
          kind: "addr",
          type: K.RTM_GETADDR,
          flags: 0,
          body: { family, prefixLen: 0, ifaFlags: 0, scope: 0, index: 0 },
        })
      ),
    dumpRoutes: (family) => run(() => conn.dump(routeDump(family))),
    dumpNeighs: (family) => run(() => conn.dump(neighDump(family))),
    eachRoute: (family, fn) => run(() => void conn.dumpEach(routeDump(family), fn)),
    eachNeigh: (family, fn) => run(() => void conn.dumpEach(neighDump(family), fn)),
    routeGet: (ip) =>
      run(() =>
        conn.get({
          kind: "route",
          type: K.RTM_GETROUTE,
          flags: 0,
          body: {
            family: af(ip),
            dst: IPNet.of(ip, ip.bits),
            tos: 0,
            rtmTable: 0,
            protocol: 0,
            scope: 0,
            type: 0,
            flags: 0,
          },
        })
      ),
    send: (reqs) => run(() => conn.batch(reqs)),
    close: () => conn.close(),
  };
}

/**
 * The repair loop's {@linkcode KernelEvents}: `ip monitor link route neigh` in the calling
 * process's namespace (or `netns`), and the links from `conn`'s dump.
 */
export function kernelEvents(conn: Pick<RtnlConn, "dumpLinks">, netns?: string): KernelEvents {
  return {
    subscribe: (signal) =>
      subscribe(["link", "route", "neigh"], { signal, ...(netns !== undefined ? { netns } : {}) }),
    links: async () =>
      (await conn.dumpLinks()).map((l) => ({
        index: l.index,
        name: l.name ?? "",
        up: (l.flags & K.IFF_UP) !== 0,
      })),
  };
}
