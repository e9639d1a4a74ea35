/**
 * Netlink steps shared by the bridge's ADD, DEL and CHECK, on the netlink layer's typed
 * operations (mod/netlink). Each helper's doc names the iproute2 command it equals.
 */
import { type IPAddr, IPNet, parseCIDRWithHost } from "../../ip/mod.ts";
import * as K from "../../netlink/codec/consts.ts";
import type { Link } from "../../netlink/codec/link.ts";
import { isErrno, NetlinkError } from "../../netlink/errors.ts";
import type { AddrSpec } from "../../netlink/ops/addr.ts";
import { linkBody } from "../../netlink/ops/link.ts";
import { Rtnl } from "../../netlink/rtnl.ts";
import { inNetns } from "../../netlink/socket.ts";
import { goPathError } from "../os_error.ts";
import { setSysctl } from "./sysctl.ts";

const IFF_PROMISC = 0x100;
const IFA_F_TENTATIVE = 0x40;

/**
 * `ip addr add A/P dev X` as the reference's netlink library sends it: IPv4 addresses
 * shorter than /31 get their broadcast address (IFA_BROADCAST) computed.
 */
export function addrSpec(index: number, ip: IPAddr, prefixLen: number): AddrSpec {
  const spec: AddrSpec = { index, address: ip, prefixLen };
  if (ip.family !== 4 || prefixLen >= 31) return spec;
  return { ...spec, broadcast: IPNet.of(ip, prefixLen).last };
}

/**
 * The namespace holding the bridge and the host ends of the veths: the plugin's own (a
 * runtime calls it there), or another one given by path (in-process tests).
 */
export class HostNs {
  readonly path: string | null;
  constructor(path: string | null) {
    this.path = path;
  }

  /** rtnetlink in the host namespace. */
  open(): Rtnl {
    return this.path === null ? Rtnl.open() : Rtnl.open({ netns: this.path });
  }

  /** A path to open for the host namespace's fd (IFLA_NET_NS_FD of the veth peer). */
  get fdPath(): string {
    return this.path ?? "/proc/self/ns/net";
  }

  /** Runs a synchronous `fn` (sysctl writes) inside the host namespace. */
  run<T>(fn: () => T): T {
    return this.path === null ? fn() : inNetns(this.path, fn);
  }
}

/**
 * A netns path that does not exist, or is no network namespace (what is left at the path of
 * an unmounted one); DEL treats both as "already gone".
 */
export class NetnsGoneError extends Error {
  override name = "NetnsGoneError";
}

/** Opens rtnetlink inside the netns at `path`, with the reference's error texts. */
export function openNetnsRtnl(path: string): Rtnl {
  try {
    Deno.statSync(path);
  } catch (err) {
    const msg = `failed to open netns "${path}": ${
      goPathError("failed to Statfs", `"${path}"`, err)
    }`;
    if (err instanceof Deno.errors.NotFound) throw new NetnsGoneError(msg, { cause: err });
    throw new Error(msg, { cause: err });
  }
  try {
    return Rtnl.open({ netns: path });
  } catch (err) {
    const msg = `failed to open netns "${path}": ${(err as Error).message}`;
    // setns(2) refuses a file that is not a network namespace with EINVAL.
    if (isErrno(err, "EINVAL")) throw new NetnsGoneError(msg, { cause: err });
    throw new Error(msg, { cause: err });
  }
}

/** `ip link add NAME [mtu M] type bridge` (kept if present), promisc, `accept_ra=0`, up. */
export function ensureBridge(
  host: HostNs,
  nl: Rtnl,
  name: string,
  mtu: number,
  promisc: boolean,
): Link {
  const wrap = (msg: string) => new Error(`failed to create bridge "${name}": ${msg}`);
  // Look first: after the first pod the bridge exists, and an EEXIST round trip (plus its
  // error object) is the slower path. A concurrent creator is still handled by EEXIST.
  let br = nl.link.find(name);
  if (br === null) {
    try {
      nl.link.add({ name, info: { kind: "bridge" }, ...(mtu > 0 ? { mtu } : {}) });
    } catch (err) {
      if (!isErrno(err, "EEXIST")) throw wrap(`could not add "${name}": ${(err as Error).message}`);
    }
    try {
      br = nl.link.get(name);
    } catch (err) {
      throw wrap(`could not lookup "${name}": ${(err as Error).message}`);
    }
  }
  if (br.info?.kind !== "bridge") throw wrap(`"${name}" already exists but is not a bridge`);
  if (promisc && !(br.flags & IFF_PROMISC)) {
    const body = linkBody({ index: br.index, flags: IFF_PROMISC, change: IFF_PROMISC });
    nl.conn.exec({ kind: "link", type: K.RTM_NEWLINK, flags: K.NLM_F_REQUEST, body });
  }
  host.run(() => setSysctl(`net/ipv6/conf/${name}/accept_ra`, "0"));
  if (!(br.flags & K.IFF_UP)) nl.link.set(br.index, { up: true });
  return br;
}

/** Global unicast addresses of a link (what the reference tears masquerade down for). */
export function globalAddrs(nl: Rtnl, index: number): { ip: IPAddr; prefixLen: number }[] {
  return nl.addr.list({ index }).flatMap((a) => {
    const ip = a.local ?? a.address;
    if (!ip || a.scope !== K.RT_SCOPE_UNIVERSE) return [];
    return [{ ip, prefixLen: a.prefixLen }];
  });
}

/**
 * `ip addr add GW/P dev BRIDGE` unless present. A different IPv4 address (or an overlapping
 * IPv6 one) is refused unless `force`, then it is removed first — the reference's ensureAddr.
 * Afterwards the bridge's MAC is pinned to itself, so it no longer follows its ports.
 */
export function ensureBridgeAddr(
  nl: Rtnl,
  br: Link,
  ip: IPAddr,
  prefixLen: number,
  force: boolean,
) {
  const want = IPNet.of(ip, prefixLen);
  const text = `${ip}/${prefixLen}`;
  for (
    const a of nl.addr.list({ index: br.index, family: ip.family === 4 ? K.AF_INET : K.AF_INET6 })
  ) {
    const have = a.local ?? a.address;
    if (!have) continue;
    if (have.equals(ip) && a.prefixLen === prefixLen) return;
    const net = IPNet.of(have, a.prefixLen);
    if (ip.family === 4 || net.contains(ip) || want.contains(have)) {
      if (!force) {
        throw new Error(
          `failed to set bridge addr: "${br.name}" already has an IP address different from ${text}`,
        );
      }
      nl.addr.del({ index: br.index, address: have, prefixLen: a.prefixLen });
    }
  }
  try {
    nl.addr.add(addrSpec(br.index, ip, prefixLen));
  } catch (err) {
    if (!isErrno(err, "EEXIST")) {
      throw new Error(
        `failed to set bridge addr: could not add IP address to "${br.name}": ${
          (err as Error).message
        }`,
      );
    }
  }
  if (br.mac) nl.link.set(br.index, { mac: br.mac });
}

/** Sets per-interface sysctls inside a pod's netns (synchronous setns round trip). */
export function podSysctls(netns: string, ifName: string, ipv6: boolean): void {
  inNetns(netns, () => {
    setSysctl(`net/ipv6/conf/${ifName}/accept_dad`, "0");
    setSysctl(`net/ipv4/conf/${ifName}/arp_notify`, "1");
    if (ipv6) {
      for (const dev of ["lo", ifName]) setSysctl(`net/ipv6/conf/${dev}/disable_ipv6`, "0");
    }
  });
}

/**
 * Waits (≤ `maxMs`) until no global IPv6 address of the link is tentative (DAD finished).
 * The link-local address is not waited for: it is not used by the pod's routes, and its
 * DAD (started before `accept_dad=0` could be set) takes a second or more.
 */
export async function settleAddresses(nl: Rtnl, index: number, maxMs: number): Promise<void> {
  for (const t0 = Date.now(); Date.now() - t0 < maxMs;) {
    const tentative = nl.addr.list({ index, family: K.AF_INET6 }).some((a) =>
      a.scope === K.RT_SCOPE_UNIVERSE && ((a.flags ?? a.ifaFlags) & IFA_F_TENTATIVE) !== 0
    );
    if (!tentative) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A route from a CNI result as netlink wants it: destination net, family, fields. */
export function routeDst(dst: string): IPNet {
  const { ip, net } = parseCIDRWithHost(dst);
  return IPNet.of(ip, net.prefixLen);
}

/** True for "already gone" netlink answers. */
export function isGone(err: unknown): boolean {
  return err instanceof NetlinkError &&
    ["ENODEV", "ENOENT", "ESRCH", "EADDRNOTAVAIL"].includes(err.errno);
}
