/**
 * RTM_{NEW,DEL,GET}NEIGH bodies: struct ndmsg (12 bytes) + NDA_* attributes. One shape for
 * ARP/ND entries (AF_INET/AF_INET6) and bridge FDB entries (AF_BRIDGE).
 *
 * Design notes: iproute2 orders the two differently — `ip neigh` sends NDA_DST then
 * NDA_LLADDR, `bridge fdb` sends NDA_LLADDR then NDA_DST — so the encoder picks the order by
 * family, and golden bytes from both tools compare equal.
 */
import type { Reader, Writer } from "./bytes.ts";
import { type BodyCodec, compile, decodeAttrs, encodeAttrs, field, type Schema } from "./attrs.ts";
import * as K from "./consts.ts";
import type { IPAddr } from "../../ip/mod.ts";
import { be16, ip, lladdr, u16, u32, type WithAttrs } from "./values.ts";

/** A neighbour (ARP/ND) or FDB entry. */
export interface Neigh extends WithAttrs {
  /** AF_INET / AF_INET6 for ARP/ND, AF_BRIDGE for FDB entries. */
  family: number;
  index: number;
  /** NUD_* state (NUD_PERMANENT = 0x80). */
  state: number;
  /** NTF_* flags (NTF_SELF = 2). */
  flags: number;
  /** ndm_type (RTN_*; 0 in requests). */
  type: number;
  /** NDA_DST: the IP (neighbour) or the remote VTEP (FDB on vxlan). */
  dst?: IPAddr;
  /** NDA_LLADDR as `aa:bb:…`. */
  lladdr?: string;
  vlan?: number;
  /** NDA_PORT: remote UDP port (vxlan FDB), big-endian on the wire. */
  port?: number;
  vni?: number;
  ifindex?: number;
  master?: number;
  probes?: number;
}

const COMMON: Schema<Neigh> = {
  vlan: field(K.NDA_VLAN, u16),
  port: field(K.NDA_PORT, be16),
  vni: field(K.NDA_VNI, u32),
  ifindex: field(K.NDA_IFINDEX, u32),
  master: field(K.NDA_MASTER, u32),
  probes: field(K.NDA_PROBES, u32),
};
const NEIGH = compile<Neigh>({
  dst: field(K.NDA_DST, ip),
  lladdr: field(K.NDA_LLADDR, lladdr),
  ...COMMON,
});
const FDB = compile<Neigh>({
  lladdr: field(K.NDA_LLADDR, lladdr),
  dst: field(K.NDA_DST, ip),
  ...COMMON,
});

const NDMSG_LEN = 12;

/** ndmsg + NDA_* codec. */
export const neighCodec: BodyCodec<Neigh> = {
  encode(w: Writer, v: Neigh): void {
    w.u8(v.family);
    w.u8(0);
    w.u16(0);
    w.i32(v.index);
    w.u16(v.state);
    w.u8(v.flags);
    w.u8(v.type);
    encodeAttrs(w, v.family === K.AF_BRIDGE ? FDB : NEIGH, v, v.attrs);
  },
  decode(r: Reader, off: number, end: number): Neigh {
    r.need(off, NDMSG_LEN, "ndmsg", end);
    const v: Neigh = {
      family: r.u8(off),
      index: r.i32(off + 4),
      state: r.u16(off + 8),
      flags: r.u8(off + 10),
      type: r.u8(off + 11),
    };
    const raw = decodeAttrs(r, off + NDMSG_LEN, end, v.family === K.AF_BRIDGE ? FDB : NEIGH, v);
    if (raw.length) v.attrs = raw;
    return v;
  },
};
