/**
 * External interface selection (spec §1.6), as a pure function over what netlink reports:
 * links, addresses, default routes and, for `--iface-can-reach`, the kernel's route to that IP.
 *
 * Design notes: the order is upstream's — each `--iface` (a name, or an IP the interface
 * carries), then each `--iface-regex` (addresses first, then names), then `--iface-can-reach`;
 * with none of them, the interface carrying `--public-ip(v6)`, else the default-route one. The
 * address of each family is the first of the interface's usable addresses sorted as upstream:
 * global before link-local, permanent before dynamic, non-temporary before temporary.
 * mod/agent/kernel_facts.ts reads the facts; everything here is testable without root.
 */
import { FlannelError } from "../errors.ts";
import { type Family, type IPAddr, IPNet, tryParseIP } from "../ip/mod.ts";
import type { ExternalInterface } from "../../backends/contract.ts";

/** No interface matches what the operator asked for (exit 1). */
export class IfaceError extends FlannelError {
  override name = "IfaceError";
  constructor(message: string) {
    super("EIFACE", message);
  }
}

export interface FactLink {
  index: number;
  name: string;
  mtu: number;
}

export interface FactAddr {
  index: number;
  ip: IPAddr;
  prefixLen: number;
  /** Scope host/link-local addresses and loopback are not "usable" unless link-local unicast. */
  scope: "global" | "link" | "host";
  permanent: boolean;
  deprecated: boolean;
  temporary: boolean;
}

export interface IfaceFacts {
  links: FactLink[];
  addrs: FactAddr[];
  /** Interface index of the main table's default route per family (null when none). */
  defaultRoute: { 4: number | null; 6: number | null };
  /** `ip route get <--iface-can-reach>`: the route's device and preferred source. */
  canReach: { index: number; src: IPAddr | null } | null;
}

export interface IfaceRequest {
  ifaces: readonly string[];
  ifaceRegex: readonly string[];
  canReach: IPAddr | null;
  publicIP: IPAddr | null;
  publicIPv6: IPAddr | null;
  enableIPv4: boolean;
  enableIPv6: boolean;
}

interface Pick {
  link: FactLink;
  /** Addresses fixed by the match (an `--iface` IP, the can-reach source). */
  fixed: Partial<Record<Family, IPAddr>>;
}

const rank = (a: FactAddr) =>
  (a.scope === "global" ? 0 : 4) + (a.permanent ? 0 : 2) + (a.temporary ? 1 : 0);

function usable(a: FactAddr): boolean {
  if (a.deprecated || a.scope === "host") return false;
  return a.scope === "global" || (a.ip.family === 6 && (a.ip.value >> 118n) === 0x3fan);
}

/** The interface's addresses of one family, best first. */
export function candidateAddrs(facts: IfaceFacts, index: number, family: Family): FactAddr[] {
  return facts.addrs
    .filter((a) => a.index === index && a.ip.family === family && usable(a))
    .sort((x, y) => rank(x) - rank(y));
}

function linkWithIP(facts: IfaceFacts, ip: IPAddr): FactLink | null {
  const a = facts.addrs.find((x) => x.ip.equals(ip));
  return a === undefined ? null : facts.links.find((l) => l.index === a.index) ?? null;
}

function families(req: IfaceRequest): Family[] {
  return [...(req.enableIPv4 ? [4 as const] : []), ...(req.enableIPv6 ? [6 as const] : [])];
}

function byName(facts: IfaceFacts, text: string): Pick | null {
  const ip = tryParseIP(text);
  if (ip !== null) {
    const link = linkWithIP(facts, ip);
    return link === null ? null : { link, fixed: { [ip.family]: ip } };
  }
  const link = facts.links.find((l) => l.name === text);
  return link === undefined ? null : { link, fixed: {} };
}

function byRegex(facts: IfaceFacts, req: IfaceRequest, text: string): Pick | null {
  const re = new RegExp(text);
  for (const link of facts.links) {
    const hit = families(req).every((f) =>
      candidateAddrs(facts, link.index, f).some((a) => re.test(a.ip.toString()))
    );
    if (hit) return { link, fixed: {} };
  }
  const link = facts.links.find((l) => re.test(l.name));
  return link === undefined ? null : { link, fixed: {} };
}

function byDefault(facts: IfaceFacts, req: IfaceRequest): Pick {
  const pub = req.publicIP ?? req.publicIPv6;
  if (pub !== null) {
    const link = linkWithIP(facts, pub);
    if (link === null) {
      throw new IfaceError(
        `Failed to find any valid interface to use: no interface with address ${pub}`,
      );
    }
    return { link, fixed: {} };
  }
  const fams = families(req);
  const idx = fams.map((f) => facts.defaultRoute[f]);
  if (idx.some((i) => i === null)) {
    throw new IfaceError(
      `Failed to find any valid interface to use: no default route for IPv${
        fams[idx.indexOf(null)]
      }`,
    );
  }
  if (idx.length === 2 && idx[0] !== idx[1]) {
    const name = (i: number | null) => facts.links.find((l) => l.index === i)?.name ?? `${i}`;
    throw new IfaceError(
      `v6 default route interface ${
        name(idx[1]!)
      } must be the same with v4 default route interface ${name(idx[0]!)}`,
    );
  }
  const link = facts.links.find((l) => l.index === idx[0]);
  if (link === undefined) throw new IfaceError("Failed to find any valid interface to use");
  return { link, fixed: {} };
}

function byRequest(facts: IfaceFacts, req: IfaceRequest, log: (m: string) => void): Pick {
  for (const text of req.ifaces) {
    const p = byName(facts, text);
    if (p !== null) return p;
    log(`Could not find valid interface matching ${text}`);
  }
  for (const text of req.ifaceRegex) {
    const p = byRegex(facts, req, text);
    if (p !== null) return p;
    log(`Could not find valid interface matching ${text}`);
  }
  if (req.canReach !== null) {
    log(`Determining interface to use based on given ifcanreach: ${req.canReach}`);
  }
  if (req.canReach !== null && facts.canReach !== null) {
    const link = facts.links.find((l) => l.index === facts.canReach!.index);
    const src = facts.canReach.src;
    if (link !== undefined) return { link, fixed: src === null ? {} : { [src.family]: src } };
  }
  throw new IfaceError(
    "Failed to find interface to use that matches the interfaces and/or regexes provided",
  );
}

/**
 * Picks the external interface; throws {@linkcode IfaceError} with upstream's messages.
 * `log` receives the info lines upstream prints for each option that did not match.
 */
export function selectInterface(
  facts: IfaceFacts,
  req: IfaceRequest,
  log: (msg: string) => void = () => {},
): ExternalInterface {
  const asked = req.ifaces.length > 0 || req.ifaceRegex.length > 0 || req.canReach !== null;
  if (!asked) {
    const pub = req.publicIP ?? req.publicIPv6;
    log(
      pub === null
        ? "Determining IP address of default interface"
        : `Searching for interface using ${pub}`,
    );
  }
  const { link, fixed } = asked ? byRequest(facts, req, log) : byDefault(facts, req);
  if (link.mtu === 0) throw new IfaceError(`failed to read MTU for interface ${link.name}`);
  const addr: Record<Family, IPAddr | null> = { 4: null, 6: null };
  for (const f of families(req)) {
    addr[f] = fixed[f] ?? candidateAddrs(facts, link.index, f)[0]?.ip ?? null;
    if (addr[f] === null) {
      throw new IfaceError(`failed to find IPv${f} address for interface ${link.name}`);
    }
  }
  const onLink = facts.addrs
    .filter((a) => a.index === link.index && a.scope === "global")
    .map((a) => IPNet.of(a.ip, a.prefixLen));
  return {
    name: link.name,
    index: link.index,
    mtu: link.mtu,
    addr4: addr[4],
    addr6: addr[6],
    extAddr4: req.enableIPv4 ? req.publicIP ?? addr[4] : null,
    extAddr6: req.enableIPv6 ? req.publicIPv6 ?? addr[6] : null,
    onLink,
  };
}

/**
 * Upstream's info lines for the chosen interface, in its order (`LookupExtIface`): one
 * `Using interface …` line per family, then where each external address comes from. Users
 * grep these to see which interface and address flannel advertises.
 */
export function interfaceLines(
  iface: ExternalInterface,
  publicIP: IPAddr | null,
  publicIPv6: IPAddr | null,
): string[] {
  const lines: string[] = [];
  if (iface.addr4 !== null) {
    lines.push(`Using interface with name ${iface.name} and address ${iface.addr4}`);
  }
  if (iface.addr6 !== null) {
    lines.push(`Using interface with name ${iface.name} and v6 address ${iface.addr6}`);
  }
  if (publicIP !== null) lines.push(`Using ${publicIP} as external address`);
  else if (iface.extAddr4 !== null) {
    lines.push(`Defaulting external address to interface address (${iface.addr4})`);
  }
  if (publicIPv6 !== null) lines.push(`Using ${publicIPv6} as external address`);
  else if (iface.extAddr6 !== null) {
    lines.push(`Defaulting external v6 address to interface address (${iface.addr6})`);
  }
  return lines;
}
