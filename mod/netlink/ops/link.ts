/**
 * Link operations (`ip link …`, `bridge link set …`): pure request builders that produce
 * exactly what iproute2 sends, and {@linkcode LinkOps} running them on a connection.
 */
import * as K from "../codec/consts.ts";
import type { Link } from "../codec/link.ts";
import type { BridgePort, LinkInfo } from "../codec/linkinfo.ts";
import type { RequestOf } from "../codec/message.ts";
import type { Conn } from "../conn.ts";
import { isNotFound } from "../errors.ts";

/** A link by index (number) or by name (string). */
export type LinkRef = number | string;

/** `ip link add NAME [mtu M] [address A] [master B] … type KIND …`. */
export interface LinkSpec {
  name: string;
  info: LinkInfo;
  mtu?: number;
  mac?: string;
  master?: number;
  txqlen?: number;
  /** Create it up (IFF_UP at creation). */
  up?: boolean;
  /** Create it in the netns of this fd (IFLA_NET_NS_FD). */
  netnsFd?: number;
}

/** `ip link set dev X [up|down] [mtu M] [address A] [master B|nomaster] [netns N] [name N]`. */
export interface LinkChange {
  up?: boolean;
  mtu?: number;
  mac?: string;
  /** A bridge index, or null for `nomaster`. */
  master?: number | null;
  netnsFd?: number;
  netnsPid?: number;
  name?: string;
  txqlen?: number;
}

const ACK = K.NLM_F_REQUEST | K.NLM_F_ACK;

/** A request with a `Link` body. */
export type LinkRequest = RequestOf<"link">;

/** An ifinfomsg with every header field zero, plus `fields`. */
export function linkBody(fields: Partial<Link> = {}): Link {
  return { family: K.AF_UNSPEC, ifType: 0, index: 0, flags: 0, change: 0, ...fields };
}

function ref(r: LinkRef): Partial<Link> {
  return typeof r === "number" ? { index: r } : { name: r };
}

/** Equivalent to `ip link add …` (create, fail with EEXIST if the name is taken). */
export function linkAdd(s: LinkSpec): LinkRequest {
  const body = linkBody({ flags: s.up ? K.IFF_UP : 0, change: s.up ? K.IFF_UP : 0 });
  if (s.mtu !== undefined) body.mtu = s.mtu;
  if (s.mac !== undefined) body.mac = s.mac;
  if (s.master !== undefined) body.master = s.master;
  if (s.txqlen !== undefined) body.txqlen = s.txqlen;
  if (s.netnsFd !== undefined) body.netnsFd = s.netnsFd;
  body.name = s.name;
  body.info = s.info;
  return { kind: "link", type: K.RTM_NEWLINK, flags: ACK | K.NLM_F_CREATE | K.NLM_F_EXCL, body };
}

/** Equivalent to `ip link set dev X …` (see {@linkcode LinkChange}). */
export function linkSet(r: LinkRef, c: LinkChange): LinkRequest {
  const body = linkBody(ref(r));
  if (c.up !== undefined) {
    body.flags = c.up ? K.IFF_UP : 0;
    body.change = K.IFF_UP;
  }
  if (c.mtu !== undefined) body.mtu = c.mtu;
  if (c.mac !== undefined) body.mac = c.mac;
  if (c.master !== undefined) body.master = c.master ?? 0;
  if (c.txqlen !== undefined) body.txqlen = c.txqlen;
  if (c.netnsFd !== undefined) body.netnsFd = c.netnsFd;
  if (c.netnsPid !== undefined) body.netnsPid = c.netnsPid;
  if (c.name !== undefined) {
    if (typeof r !== "number") throw new TypeError("Renaming a link needs its index");
    body.name = c.name;
  }
  return { kind: "link", type: K.RTM_NEWLINK, flags: ACK, body };
}

/** Equivalent to `ip link del dev X`. */
export function linkDel(r: LinkRef): LinkRequest {
  return { kind: "link", type: K.RTM_DELLINK, flags: ACK, body: linkBody(ref(r)) };
}

/** Equivalent to `ip link show dev X` (one link). */
export function linkGet(r: LinkRef): LinkRequest {
  const body = linkBody({ family: K.AF_PACKET, ...ref(r), extMask: K.RTEXT_FILTER_VF });
  return { kind: "link", type: K.RTM_GETLINK, flags: K.NLM_F_REQUEST, body };
}

/** Equivalent to `ip link show` (dump). */
export function linkDump(): LinkRequest {
  const body = linkBody({ family: K.AF_PACKET, extMask: K.RTEXT_FILTER_VF });
  return { kind: "link", type: K.RTM_GETLINK, flags: K.NLM_F_REQUEST | K.NLM_F_DUMP, body };
}

/** Equivalent to `bridge link set dev X [hairpin on|off] [learning on|off] [isolated on|off]`. */
export function bridgePortSet(index: number, port: BridgePort): LinkRequest {
  const body = linkBody({ family: K.AF_BRIDGE, index, protinfo: port });
  return { kind: "link", type: K.RTM_SETLINK, flags: ACK, body };
}

/** Equivalent to `bridge link show` (dump of bridge ports with IFLA_PROTINFO). */
export function bridgePortDump(): LinkRequest {
  const body = linkBody({ family: K.AF_BRIDGE });
  return { kind: "link", type: K.RTM_GETLINK, flags: K.NLM_F_REQUEST | K.NLM_F_DUMP, body };
}

/** A veth's IFLA_LINKINFO: the peer `name`, optionally created in the netns of `netnsFd`. */
export function vethInfo(name: string, peer: Partial<Link> = {}): LinkInfo {
  return { kind: "veth", veth: { peer: linkBody({ ...peer, name }) } };
}

/** True when the link is administratively up (IFF_UP). */
export function isUp(l: Link): boolean {
  return (l.flags & K.IFF_UP) !== 0;
}

/** Link operations on one connection (one network namespace). */
export class LinkOps {
  readonly #conn: Conn;
  constructor(conn: Conn) {
    this.#conn = conn;
  }

  /** `ip link add NAME … type KIND …`; EEXIST if the name is taken. */
  add(spec: LinkSpec): void {
    this.#conn.exec(linkAdd(spec));
  }

  /** `ip link set dev X …`. */
  set(r: LinkRef, change: LinkChange): void {
    this.#conn.exec(linkSet(r, change));
  }

  /** `ip link del dev X`; ENODEV if missing. */
  del(r: LinkRef): void {
    this.#conn.exec(linkDel(r));
  }

  /** `ip -d link show dev X`; ENODEV if missing. */
  get(r: LinkRef): Link {
    return this.#conn.get(linkGet(r));
  }

  /** Like {@linkcode get}, but null when the link does not exist. */
  find(r: LinkRef): Link | null {
    try {
      return this.get(r);
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  /** `ip -d link show [type KIND]`. */
  list(filter: { kind?: string } = {}): Link[] {
    const all = this.#conn.dump(linkDump());
    return filter.kind === undefined ? all : all.filter((l) => l.info?.kind === filter.kind);
  }

  /** `bridge link set dev X hairpin on …` (IFLA_PROTINFO / IFLA_BRPORT_*). */
  setBridgePort(index: number, port: BridgePort): void {
    this.#conn.exec(bridgePortSet(index, port));
  }

  /** `bridge -d link show`: every bridge port, with `protinfo`. */
  listBridgePorts(): Link[] {
    return this.#conn.dump(bridgePortDump());
  }
}
