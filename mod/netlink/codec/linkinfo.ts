/**
 * IFLA_LINKINFO: the link kind (`vxlan`, `bridge`, `veth`, `tun`, `ipip`, `wireguard`, …) and
 * its kind-specific IFLA_INFO_DATA, plus the port ("slave") side when the link is enslaved.
 *
 * Design notes: IFLA_INFO_DATA means something different per kind, so this codec reads
 * IFLA_INFO_KIND first and then decodes the data with that kind's schema. Kinds without a
 * model here (bridge, wireguard, …) keep their data as raw attributes in `data`, which
 * re-encode unchanged. Schema key order = the order iproute2 6.1 sends (see the golden
 * fixtures): iproute2 emits vxlan's flag-like options while parsing and the addressing
 * block (ID, GROUP, LOCAL, LEARNING, PORT) afterwards.
 */
import type { IPAddr } from "../../ip/mod.ts";
import {
  type Attr,
  type AttrCodec,
  type AttrSpan,
  attrSpans,
  compile,
  field,
  putAttr,
  putRawAttr,
  rawAttrs,
} from "./attrs.ts";
import type { Reader, Writer } from "./bytes.ts";
import * as K from "./consts.ts";
import { be16, bool8, flag, ip, nested, str, u16, u32, u8, type WithAttrs } from "./values.ts";
import type { Link } from "./link.ts";

/** IFLA_VXLAN_* (`ip link add … type vxlan …`). */
export interface Vxlan extends WithAttrs {
  gbp?: boolean;
  ttl?: number;
  tos?: number;
  l2miss?: boolean;
  l3miss?: boolean;
  /** Underlay device index (IFLA_VXLAN_LINK, `dev`). */
  link?: number;
  /** VNI (IFLA_VXLAN_ID). */
  id?: number;
  /** Remote or multicast group (IFLA_VXLAN_GROUP / GROUP6 by family). */
  group?: IPAddr;
  /** Source address (IFLA_VXLAN_LOCAL / LOCAL6 by family). */
  local?: IPAddr;
  learning?: boolean;
  ageing?: number;
  /** UDP destination port (IFLA_VXLAN_PORT, big-endian on the wire). */
  port?: number;
}

const VXLAN = compile<Vxlan>({
  gbp: field(K.IFLA_VXLAN_GBP, flag),
  ttl: field(K.IFLA_VXLAN_TTL, u8),
  tos: field(K.IFLA_VXLAN_TOS, u8),
  l2miss: field(K.IFLA_VXLAN_L2MISS, bool8),
  l3miss: field(K.IFLA_VXLAN_L3MISS, bool8),
  link: field(K.IFLA_VXLAN_LINK, u32),
  id: field(K.IFLA_VXLAN_ID, u32),
  group: field(K.IFLA_VXLAN_GROUP, ip, K.IFLA_VXLAN_GROUP6),
  local: field(K.IFLA_VXLAN_LOCAL, ip, K.IFLA_VXLAN_LOCAL6),
  learning: field(K.IFLA_VXLAN_LEARNING, bool8),
  ageing: field(K.IFLA_VXLAN_AGEING, u32),
  port: field(K.IFLA_VXLAN_PORT, be16),
});

/** IFLA_IPTUN_* for `ipip` (`ip link add … type ipip local A remote B ttl N`). */
export interface IpTunnel extends WithAttrs {
  proto?: number;
  local?: IPAddr;
  remote?: IPAddr;
  pmtudisc?: boolean;
  tos?: number;
  ttl?: number;
  link?: number;
  fwmark?: number;
  encapType?: number;
  encapFlags?: number;
  encapSport?: number;
  encapDport?: number;
}

const IPTUN = compile<IpTunnel>({
  proto: field(K.IFLA_IPTUN_PROTO, u8),
  local: field(K.IFLA_IPTUN_LOCAL, ip),
  remote: field(K.IFLA_IPTUN_REMOTE, ip),
  pmtudisc: field(K.IFLA_IPTUN_PMTUDISC, bool8),
  tos: field(K.IFLA_IPTUN_TOS, u8),
  ttl: field(K.IFLA_IPTUN_TTL, u8),
  link: field(K.IFLA_IPTUN_LINK, u32),
  fwmark: field(K.IFLA_IPTUN_FWMARK, u32),
  encapType: field(K.IFLA_IPTUN_ENCAP_TYPE, u16),
  encapFlags: field(K.IFLA_IPTUN_ENCAP_FLAGS, u16),
  encapSport: field(K.IFLA_IPTUN_ENCAP_SPORT, be16),
  encapDport: field(K.IFLA_IPTUN_ENCAP_DPORT, be16),
});

/** IFLA_TUN_* (read back from a TUN/TAP device; tun links are created with ioctl). */
export interface Tun extends WithAttrs {
  owner?: number;
  group?: number;
  /** IFF_TUN (1) or IFF_TAP (2). */
  type?: number;
  pi?: boolean;
  vnetHdr?: boolean;
  persist?: boolean;
  multiQueue?: boolean;
  numQueues?: number;
  numDisabledQueues?: number;
}

const TUN = compile<Tun>({
  owner: field(K.IFLA_TUN_OWNER, u32),
  group: field(K.IFLA_TUN_GROUP, u32),
  type: field(K.IFLA_TUN_TYPE, u8),
  pi: field(K.IFLA_TUN_PI, bool8),
  vnetHdr: field(K.IFLA_TUN_VNET_HDR, bool8),
  persist: field(K.IFLA_TUN_PERSIST, bool8),
  multiQueue: field(K.IFLA_TUN_MULTI_QUEUE, bool8),
  numQueues: field(K.IFLA_TUN_NUM_QUEUES, u32),
  numDisabledQueues: field(K.IFLA_TUN_NUM_DISABLED_QUEUES, u32),
});

/** IFLA_BRPORT_* of a bridge port (AF_BRIDGE IFLA_PROTINFO, or slave data of kind bridge). */
export interface BridgePort extends WithAttrs {
  /** IFLA_BRPORT_MODE: hairpin (`bridge link set dev X hairpin on`). */
  hairpin?: boolean;
  learning?: boolean;
  unicastFlood?: boolean;
  isolated?: boolean;
  /** STP state (IFLA_BRPORT_STATE: 0 disabled … 3 forwarding). */
  state?: number;
}

/** Schema of IFLA_BRPORT_* (shared by IFLA_PROTINFO and IFLA_INFO_SLAVE_DATA). */
export const BRPORT = compile<BridgePort>({
  hairpin: field(K.IFLA_BRPORT_MODE, bool8),
  learning: field(K.IFLA_BRPORT_LEARNING, bool8),
  unicastFlood: field(K.IFLA_BRPORT_UNICAST_FLOOD, bool8),
  isolated: field(K.IFLA_BRPORT_ISOLATED, bool8),
  state: field(K.IFLA_BRPORT_STATE, u8),
});

/** VETH_INFO_PEER: the other end, an ifinfomsg with its own attributes. */
export interface Veth {
  peer?: Link;
}

/** IFLA_LINKINFO. Exactly one of the typed data fields is set, matching `kind`. */
export interface LinkInfo extends WithAttrs {
  kind: string;
  vxlan?: Vxlan;
  veth?: Veth;
  tun?: Tun;
  ipip?: IpTunnel;
  /** IFLA_INFO_DATA of kinds modelled nowhere here (bridge, wireguard, …), raw. */
  data?: Attr[];
  slaveKind?: string;
  /** IFLA_INFO_SLAVE_DATA when `slaveKind` is `bridge`. */
  bridgePort?: BridgePort;
  /** IFLA_INFO_SLAVE_DATA of other port kinds, raw. */
  slaveData?: Attr[];
}

const DATA = { vxlan: nested(VXLAN), tun: nested(TUN), ipip: nested(IPTUN) } as const;
type DataKind = keyof typeof DATA;
const isDataKind = (k: string): k is DataKind => k in DATA;
const BRPORT_CODEC = nested(BRPORT);

/** The IFLA_LINKINFO codec; `peer` encodes a whole ifinfomsg (supplied by link.ts). */
export function linkInfo(peer: AttrCodec<Link>): AttrCodec<LinkInfo> {
  return { put: (w, v) => putInfo(w, v, peer), get: (r, off, len) => getInfo(r, off, len, peer) };
}

function putRaw(w: Writer, type: number, attrs: readonly Attr[]): void {
  putAttr(w, type, () => attrs.forEach((a) => putRawAttr(w, a)));
}

function putInfo(w: Writer, v: LinkInfo, peer: AttrCodec<Link>): void {
  putAttr(w, K.IFLA_INFO_KIND, () => str.put(w, v.kind));
  const { vxlan, tun, ipip, veth } = v;
  if (vxlan) putAttr(w, K.IFLA_INFO_DATA, () => DATA.vxlan.put(w, vxlan));
  else if (tun) putAttr(w, K.IFLA_INFO_DATA, () => DATA.tun.put(w, tun));
  else if (ipip) putAttr(w, K.IFLA_INFO_DATA, () => DATA.ipip.put(w, ipip));
  else if (veth?.peer) {
    const p = veth.peer;
    putAttr(w, K.IFLA_INFO_DATA, () => putAttr(w, K.VETH_INFO_PEER, () => peer.put(w, p)));
  } else if (v.data) putRaw(w, K.IFLA_INFO_DATA, v.data);
  if (v.slaveKind !== undefined) {
    const sk = v.slaveKind;
    putAttr(w, K.IFLA_INFO_SLAVE_KIND, () => str.put(w, sk));
  }
  const bp = v.bridgePort;
  if (bp) putAttr(w, K.IFLA_INFO_SLAVE_DATA, () => BRPORT_CODEC.put(w, bp));
  else if (v.slaveData) putRaw(w, K.IFLA_INFO_SLAVE_DATA, v.slaveData);
  v.attrs?.forEach((a) => putRawAttr(w, a));
}

function getInfo(r: Reader, off: number, len: number, peer: AttrCodec<Link>): LinkInfo {
  const spans = attrSpans(r, off, off + len);
  const typeOf = (s: AttrSpan) => s.type & K.NLA_TYPE_MASK;
  const kind = spans.find((s) => typeOf(s) === K.IFLA_INFO_KIND);
  const slave = spans.find((s) => typeOf(s) === K.IFLA_INFO_SLAVE_KIND);
  const info: LinkInfo = { kind: kind ? str.get(r, kind.off, kind.len) : "" };
  if (slave) info.slaveKind = str.get(r, slave.off, slave.len);
  const rest: Attr[] = [];
  for (const s of spans) {
    if (s === kind || s === slave) continue;
    if (typeOf(s) === K.IFLA_INFO_DATA && !hasData(info)) setData(info, r, s, peer);
    else if (typeOf(s) === K.IFLA_INFO_SLAVE_DATA && !info.bridgePort && !info.slaveData) {
      if (info.slaveKind === "bridge") info.bridgePort = BRPORT_CODEC.get(r, s.off, s.len);
      else info.slaveData = rawAttrs(r, s.off, s.off + s.len);
    } else rest.push({ type: s.type, data: r.copy(s.off, s.len) });
  }
  if (rest.length) info.attrs = rest;
  return info;
}

function hasData(i: LinkInfo): boolean {
  return !!(i.vxlan || i.veth || i.tun || i.ipip || i.data);
}

function setData(info: LinkInfo, r: Reader, s: AttrSpan, peer: AttrCodec<Link>): void {
  const kind = info.kind;
  if (isDataKind(kind)) {
    (info as Record<DataKind, unknown>)[kind] = DATA[kind].get(r, s.off, s.len);
    return;
  }
  const inner = attrSpans(r, s.off, s.off + s.len);
  const p = inner[0];
  if (
    kind === "veth" && inner.length === 1 && p && (p.type & K.NLA_TYPE_MASK) === K.VETH_INFO_PEER
  ) {
    info.veth = { peer: peer.get(r, p.off, p.len) };
  } else info.data = rawAttrs(r, s.off, s.off + s.len);
}
