/**
 * RTM_{NEW,DEL,GET}ADDR bodies: struct ifaddrmsg (8 bytes) + IFA_* attributes.
 *
 * Design notes: the kernel reports the full flag set in IFA_FLAGS (u32) and only the low
 * byte in ifa_flags; iproute2 sends flags that fit in the header byte and IFA_FLAGS only
 * beyond. Both are kept as on the wire: `ifaFlags` (header) and `flags` (IFA_FLAGS).
 * iproute2 sends IFA_LOCAL before IFA_ADDRESS, so the schema does too.
 */
import type { Reader, Writer } from "./bytes.ts";
import {
  type AttrCodec,
  type BodyCodec,
  compile,
  decodeAttrs,
  encodeAttrs,
  field,
} from "./attrs.ts";
import * as K from "./consts.ts";
import type { IPAddr } from "../../ip/mod.ts";
import { ip, strz, u32, type WithAttrs } from "./values.ts";

/** struct ifa_cacheinfo: lifetimes in seconds (0xffffffff = forever), stamps in 1/100 s. */
export interface AddrCacheinfo {
  preferred: number;
  valid: number;
  created: number;
  updated: number;
}

/** An interface address message body. */
export interface Addr extends WithAttrs {
  /** AF_INET or AF_INET6. */
  family: number;
  prefixLen: number;
  /** ifa_flags: the low 8 bits of the IFA_F_* flags. */
  ifaFlags: number;
  /** RT_SCOPE_* (0 universe, 253 link, 254 host). */
  scope: number;
  index: number;
  /** IFA_LOCAL: the interface's own address. */
  local?: IPAddr;
  /** IFA_ADDRESS: the peer on point-to-point links, else the same as `local`. */
  address?: IPAddr;
  label?: string;
  broadcast?: IPAddr;
  /** IFA_FLAGS: the full IFA_F_* set (kernel replies always carry it). */
  flags?: number;
  cacheinfo?: AddrCacheinfo;
}

const cacheinfo: AttrCodec<AddrCacheinfo> = {
  size: 16,
  put: (w, v) => [v.preferred, v.valid, v.created, v.updated].forEach((n) => w.u32(n)),
  get: (r, off) => ({
    preferred: r.u32(off),
    valid: r.u32(off + 4),
    created: r.u32(off + 8),
    updated: r.u32(off + 12),
  }),
};

const ADDR = compile<Addr>({
  local: field(K.IFA_LOCAL, ip),
  address: field(K.IFA_ADDRESS, ip),
  label: field(K.IFA_LABEL, strz),
  broadcast: field(K.IFA_BROADCAST, ip),
  flags: field(K.IFA_FLAGS, u32),
  cacheinfo: field(K.IFA_CACHEINFO, cacheinfo),
});

const IFADDRMSG_LEN = 8;

/** ifaddrmsg + IFA_* codec. */
export const addrCodec: BodyCodec<Addr> = {
  encode(w: Writer, v: Addr): void {
    w.u8(v.family);
    w.u8(v.prefixLen);
    w.u8(v.ifaFlags);
    w.u8(v.scope);
    w.u32(v.index);
    encodeAttrs(w, ADDR, v, v.attrs);
  },
  decode(r: Reader, off: number, end: number): Addr {
    r.need(off, IFADDRMSG_LEN, "ifaddrmsg", end);
    const v: Addr = {
      family: r.u8(off),
      prefixLen: r.u8(off + 1),
      ifaFlags: r.u8(off + 2),
      scope: r.u8(off + 3),
      index: r.u32(off + 4),
    };
    const raw = decodeAttrs(r, off + IFADDRMSG_LEN, end, ADDR, v);
    if (raw.length) v.attrs = raw;
    return v;
  },
};
