/**
 * The agent's rtnetlink connection — mod/netlink's {@linkcode Rtnl} with the agent's options
 * ({@linkcode openAgentRtnl}) — and the kernel's notifications over it for event-driven
 * repair ({@linkcode kernelEvents}).
 *
 * Design notes: requests run on one synchronous socket (µs per call; the notes measured
 * 500 k neighbour replaces/s batched); {@linkcode BATCH_SIZE} messages per sendto. The receive
 * timeout bounds how long a lost reply can stall the agent; the receive buffer holds the error
 * replies of a full pass's batches.
 */
import * as K from "../netlink/codec/consts.ts";
import { Rtnl } from "../netlink/rtnl.ts";
import type { KernelEvents } from "./repair_loop.ts";

/** Messages per sendto (the notes: 64–256 is the sweet spot). */
export const BATCH_SIZE = 256;
/** How long a request waits for the kernel's reply. */
export const REPLY_TIMEOUT_MS = 5000;
/** The socket's receive buffer: room for the error replies of a full pass's batches. */
export const RCVBUF_BYTES = 8 << 20;

/** Opens the agent's connection in the calling process's namespace (or `netns`). */
export function openAgentRtnl(netns?: string): Rtnl {
  return Rtnl.open({
    timeoutMs: REPLY_TIMEOUT_MS,
    batchSize: BATCH_SIZE,
    rcvbufBytes: RCVBUF_BYTES,
    ...(netns !== undefined ? { netns } : {}),
  });
}

/**
 * The repair loop's {@linkcode KernelEvents}: `ip monitor link route neigh` in `nl`'s
 * namespace, and the links from its dump.
 */
export function kernelEvents(nl: Rtnl): KernelEvents {
  return {
    subscribe: (signal) => nl.subscribe(["link", "route", "neigh"], { signal }),
    links: () =>
      Promise.resolve().then(() =>
        nl.link.list().map((l) => ({
          index: l.index,
          name: l.name ?? "",
          up: (l.flags & K.IFF_UP) !== 0,
        }))
      ),
  };
}
