/**
 * RTM_{NEW,DEL,GET,SET}LINK bodies: struct ifinfomsg (16 bytes) + IFLA_* attributes.
 *
 * Design notes: IFLA_PROTINFO means bridge-port attributes only in AF_BRIDGE messages (what
 * `bridge link` sends and what bridge port events carry); in other families it stays raw.
 * Key order follows iproute2 6.1: `ip link add NAME mtu M … type K` sends MTU, IFNAME,
 * LINKINFO; the veth peer sends NET_NS_FD before IFNAME; `ip link show dev X` sends IFNAME,
 * EXT_MASK.
 */
import type { Reader, Writer } from "./bytes.ts";
import {
  type AttrCodec,
  type BodyCodec,
  compile,
  decodeAttrs,
  encodeAttrs,
  field,
  type Schema,
} from "./attrs.ts";
import * as K from "./consts.ts";
import { type BridgePort, BRPORT, type LinkInfo, linkInfo } from "./linkinfo.ts";
import { lladdr, nested, s32, strz, u32, u8, type WithAttrs } from "./values.ts";

/** A link (network interface) message body. */
export interface Link extends WithAttrs {
  /** ifi_family: AF_UNSPEC, or AF_BRIDGE for bridge-port messages. */
  family: number;
  /** ifi_type: ARPHRD_* (1 = ether). */
  ifType: number;
  index: number;
  /** IFF_* flags (IFF_UP = 1). */
  flags: number;
  /** Which IFF_* bits a request changes. */
  change: number;
  mtu?: number;
  /** IFLA_ADDRESS as `aa:bb:…`. */
  mac?: string;
  broadcast?: string;
  /** IFLA_MASTER: the bridge index; 0 detaches (`nomaster`). */
  master?: number;
  txqlen?: number;
  /** IFLA_NET_NS_FD: move to (or create in) the netns of this fd. */
  netnsFd?: number;
  /** IFLA_NET_NS_PID: move to (or create in) the netns of this process. */
  netnsPid?: number;
  /** IFLA_LINK: the parent / veth peer index (in `linkNetnsId`'s namespace when set). */
  link?: number;
  /** IFLA_OPERSTATE: IF_OPER_* (6 = up). */
  operstate?: number;
  name?: string;
  info?: LinkInfo;
  /** AF_BRIDGE IFLA_PROTINFO (`bridge link set … hairpin on`). */
  protinfo?: BridgePort;
  /** IFLA_EXT_MASK: RTEXT_FILTER_* for get/dump requests. */
  extMask?: number;
  linkNetnsId?: number;
}

const IFINFOMSG_LEN = 16;

const peer: AttrCodec<Link> = {
  put: (w, v) => linkCodec.encode(w, v),
  get: (r, off, len) => linkCodec.decode(r, off, off + len),
};

const BASE: Schema<Link> = {
  mtu: field(K.IFLA_MTU, u32),
  mac: field(K.IFLA_ADDRESS, lladdr),
  broadcast: field(K.IFLA_BROADCAST, lladdr),
  master: field(K.IFLA_MASTER, u32),
  txqlen: field(K.IFLA_TXQLEN, u32),
  netnsFd: field(K.IFLA_NET_NS_FD, u32),
  netnsPid: field(K.IFLA_NET_NS_PID, u32),
  link: field(K.IFLA_LINK, u32),
  operstate: field(K.IFLA_OPERSTATE, u8),
  name: field(K.IFLA_IFNAME, strz),
  info: field(K.IFLA_LINKINFO, linkInfo(peer)),
};
const TAIL: Schema<Link> = {
  extMask: field(K.IFLA_EXT_MASK, u32),
  linkNetnsId: field(K.IFLA_LINK_NETNSID, s32),
};
const LINK = compile<Link>({ ...BASE, ...TAIL });
const LINK_BRIDGE = compile<Link>({
  ...BASE,
  protinfo: field(K.IFLA_PROTINFO, nested(BRPORT, true)),
  ...TAIL,
});

/** ifinfomsg + IFLA_* codec. */
export const linkCodec: BodyCodec<Link> = {
  encode(w: Writer, v: Link): void {
    w.u8(v.family);
    w.u8(0);
    w.u16(v.ifType);
    w.i32(v.index);
    w.u32(v.flags);
    w.u32(v.change);
    encodeAttrs(w, v.family === K.AF_BRIDGE ? LINK_BRIDGE : LINK, v, v.attrs);
  },
  decode(r: Reader, off: number, end: number): Link {
    r.need(off, IFINFOMSG_LEN, "ifinfomsg", end);
    const v: Link = {
      family: r.u8(off),
      ifType: r.u16(off + 2),
      index: r.i32(off + 4),
      flags: r.u32(off + 8),
      change: r.u32(off + 12),
    };
    const schema = v.family === K.AF_BRIDGE ? LINK_BRIDGE : LINK;
    const raw = decodeAttrs(r, off + IFINFOMSG_LEN, end, schema, v);
    if (raw.length) v.attrs = raw;
    return v;
  },
};
