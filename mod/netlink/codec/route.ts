/**
 * RTM_{NEW,DEL,GET}ROUTE bodies: struct rtmsg (12 bytes) + RTA_* attributes.
 *
 * Design notes: the destination is one value, `dst: IPNet`, built from rtm_dst_len and
 * RTA_DST; the kernel (and iproute2) leave RTA_DST out when the prefix length is 0, so a
 * default route decodes as `0.0.0.0/0` / `::/0` and encodes without RTA_DST. The table is
 * kept as on the wire: `rtmTable` (u8 header) and `table` (RTA_TABLE, which kernel replies
 * always carry; iproute2 sends it only for ids above 255 and for dump filters).
 */
import { IPAddr, IPNet } from "../../ip/mod.ts";
import { NetlinkDecodeError } from "../errors.ts";
import type { Reader, Writer } from "./bytes.ts";
import { type BodyCodec, compile, decodeAttrs, encodeAttrs, field, putAttr } from "./attrs.ts";
import * as K from "./consts.ts";
import { ip, u32, type WithAttrs } from "./values.ts";

/** A route message body. */
export interface Route extends WithAttrs {
  /** AF_INET or AF_INET6. */
  family: number;
  /** rtm_dst_len + RTA_DST. */
  dst?: IPNet;
  /** rtm_src_len + RTA_SRC (source routing; rare). */
  src?: IPNet;
  tos: number;
  /** rtm_table: the table id when below 256, else RT_TABLE_UNSPEC / RT_TABLE_COMPAT. */
  rtmTable: number;
  /** RTPROT_* (3 boot — iproute2's default, 4 static, 2 kernel). */
  protocol: number;
  /** RT_SCOPE_* (0 universe, 253 link, 254 host, 255 nowhere). */
  scope: number;
  /** RTN_* (1 unicast, 6 blackhole). */
  type: number;
  /** RTNH_F_* / RTM_F_* (RTNH_F_ONLINK = 4). */
  flags: number;
  gateway?: IPAddr;
  priority?: number;
  prefsrc?: IPAddr;
  /** RTA_TABLE: the full 32-bit table id. */
  table?: number;
  oif?: number;
  iif?: number;
  mark?: number;
}

type Wire = Omit<Route, "dst" | "src"> & { dst?: IPAddr; src?: IPAddr };

const REST = {
  gateway: field(K.RTA_GATEWAY, ip),
  priority: field(K.RTA_PRIORITY, u32),
  prefsrc: field(K.RTA_PREFSRC, ip),
  table: field(K.RTA_TABLE, u32),
  oif: field(K.RTA_OIF, u32),
  iif: field(K.RTA_IIF, u32),
  mark: field(K.RTA_MARK, u32),
};
const ENCODE = compile<Route>(REST);
const DECODE = compile<Wire>({ dst: field(K.RTA_DST, ip), src: field(K.RTA_SRC, ip), ...REST });

const RTMSG_LEN = 12;

function putPrefix(w: Writer, type: number, n: IPNet | undefined): void {
  if (n && n.prefixLen > 0) putAttr(w, type, () => ip.put(w, n.ip));
}

function toNet(r: Reader, at: number, family: number, addr?: IPAddr): IPNet | undefined {
  const len = r.u8(at);
  const a = addr ??
    (family === K.AF_INET ? IPAddr.zero(4) : family === K.AF_INET6 ? IPAddr.zero(6) : undefined);
  if (!a) return undefined;
  if (len > a.bits) throw new NetlinkDecodeError(`Prefix length ${len} exceeds ${a.bits}`, at);
  return IPNet.of(a, len);
}

/** rtmsg + RTA_* codec. */
export const routeCodec: BodyCodec<Route> = {
  encode(w: Writer, v: Route): void {
    w.u8(v.family);
    w.u8(v.dst?.prefixLen ?? 0);
    w.u8(v.src?.prefixLen ?? 0);
    w.u8(v.tos);
    w.u8(v.rtmTable);
    w.u8(v.protocol);
    w.u8(v.scope);
    w.u8(v.type);
    w.u32(v.flags);
    putPrefix(w, K.RTA_DST, v.dst);
    putPrefix(w, K.RTA_SRC, v.src);
    encodeAttrs(w, ENCODE, v, v.attrs);
  },
  decode(r: Reader, off: number, end: number): Route {
    r.need(off, RTMSG_LEN, "rtmsg", end);
    const family = r.u8(off);
    const v: Wire = {
      family,
      tos: r.u8(off + 3),
      rtmTable: r.u8(off + 4),
      protocol: r.u8(off + 5),
      scope: r.u8(off + 6),
      type: r.u8(off + 7),
      flags: r.u32(off + 8),
    };
    const raw = decodeAttrs(r, off + RTMSG_LEN, end, DECODE, v);
    const out = v as unknown as Route;
    const dst = toNet(r, off + 1, family, v.dst);
    const src = v.src || r.u8(off + 2) ? toNet(r, off + 2, family, v.src) : undefined;
    delete out.dst;
    delete out.src;
    if (dst) out.dst = dst;
    if (src) out.src = src;
    if (raw.length) out.attrs = raw;
    return out;
  },
};
