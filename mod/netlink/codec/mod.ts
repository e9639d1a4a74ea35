/**
 * The pure netlink codec: bytes in, typed messages out, and back. No `Deno.*` here, so it is
 * tested without root against golden bytes captured from iproute2.
 *
 * @example
 * ```ts
 * import { AF_INET, decodeMessages, encodeMessage, NLM_F_ACK, NLM_F_CREATE, NLM_F_REPLACE,
 *   NLM_F_REQUEST, NUD_PERMANENT, RTM_NEWNEIGH, Writer } from "./mod.ts";
 * const w = new Writer();
 * encodeMessage(w, { kind: "neigh", type: RTM_NEWNEIGH, seq: 1, pid: 0,
 *   flags: NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE,
 *   body: { family: AF_INET, index: 6, state: NUD_PERMANENT, flags: 0, type: 0 } });
 * decodeMessages(w.bytes())[0]?.kind; // "neigh"
 * ```
 */
export * from "./consts.ts";
export * from "./errno.ts";
export * from "./bytes.ts";
export * from "./attrs.ts";
export * from "./values.ts";
export * from "./header.ts";
export * from "./linkinfo.ts";
export * from "./link.ts";
export * from "./addr.ts";
export * from "./route.ts";
export * from "./neigh.ts";
export * from "./message.ts";
export * from "./describe.ts";
