/**
 * Netlink for the agent and the CNI plugin: the pure codec, the FFI socket, request
 * connections with batching, typed rtnetlink operations and event subscriptions.
 *
 * @example
 * ```ts
 * import { neighReplace, Rtnl } from "./mod.ts";
 * using nl = Rtnl.open({ netns: "/var/run/netns/node1" });
 * const vx = nl.link.get("flannel.1");
 * const errors = nl.batch([neighReplace({ index: vx.index, dst, lladdr })]);
 * ```
 */
export * from "./codec/mod.ts";
export * from "./errors.ts";
export * from "./conn.ts";
export * from "./events.ts";
export * from "./ops/link.ts";
export * from "./ops/addr.ts";
export * from "./ops/route.ts";
export * from "./ops/neigh.ts";
export * from "./rtnl.ts";
export { inNetns, NetlinkSocket, type NetnsFd, openNetns, type SocketOptions } from "./socket.ts";
