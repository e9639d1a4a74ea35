/**
 * `subnet.env` as the flannel CNI plugin reads it (spec/cni.md §2.2): `KEY=value` lines split
 * at the first `=`, nothing trimmed, unknown lines ignored, later lines win, the missing
 * keys reported together. A recognised key without `=` crashes the Go plugin; here it is
 * ignored (so the key counts as missing).
 */
import { type IPNet, tryParseCIDRWithHost } from "../../ip/mod.ts";
import { readTextGo } from "../os_error.ts";

/** The node facts flanneld publishes. */
export interface SubnetEnv {
  networks: IPNet[];
  subnet: IPNet | null;
  ip6Networks: IPNet[];
  ip6Subnet: IPNet | null;
  mtu: number | null;
  ipMasq: boolean | null;
}

function cidr(text: string): IPNet {
  const r = tryParseCIDRWithHost(text);
  if (r === null) throw new Error(`invalid CIDR address: ${text}`);
  return r.net;
}

function cidrList(text: string): IPNet[] {
  const out: IPNet[] = [];
  for (const part of text.split(",")) {
    const n = cidr(part);
    if (!out.some((o) => o.equals(n))) out.push(n);
  }
  return out;
}

const UINT = /^[0-9]+$/;

function parseMTU(text: string): number {
  if (!UINT.test(text)) throw new Error(`strconv.ParseUint: parsing "${text}": invalid syntax`);
  const n = Number(text);
  if (n > 0xffffffff) throw new Error(`strconv.ParseUint: parsing "${text}": value out of range`);
  return n;
}

function missing(e: SubnetEnv): string {
  const m: string[] = [];
  if (e.networks.length === 0 && e.ip6Networks.length === 0) {
    m.push("FLANNEL_NETWORK", "FLANNEL_IPV6_NETWORK");
  }
  if (e.subnet === null && e.ip6Subnet === null) m.push("FLANNEL_SUBNET", "FLANNEL_IPV6_SUBNET");
  if (e.mtu === null) m.push("FLANNEL_MTU");
  if (e.ipMasq === null) m.push("FLANNEL_IPMASQ");
  return m.join(", ");
}

/** Parses the text of `file`; throws upstream's texts (`<file> is missing ...`, CIDR, MTU). */
export function parseSubnetEnv(text: string, file: string): SubnetEnv {
  const e: SubnetEnv = {
    networks: [],
    subnet: null,
    ip6Networks: [],
    ip6Subnet: null,
    mtu: null,
    ipMasq: null,
  };
  for (const raw of text.split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    const eq = line.indexOf("=");
    if (eq < 0) continue;
    const key = line.slice(0, eq), value = line.slice(eq + 1);
    if (key === "FLANNEL_NETWORK") e.networks = cidrList(value);
    else if (key === "FLANNEL_SUBNET") e.subnet = cidr(value);
    else if (key === "FLANNEL_IPV6_NETWORK") e.ip6Networks = cidrList(value);
    else if (key === "FLANNEL_IPV6_SUBNET") e.ip6Subnet = cidr(value);
    else if (key === "FLANNEL_MTU") e.mtu = parseMTU(value);
    else if (key === "FLANNEL_IPMASQ") e.ipMasq = value === "true";
  }
  const m = missing(e);
  if (m !== "") throw new Error(`${file} is missing ${m}`);
  return e;
}

/** Reads and parses `file` (errors in Go's `open <file>: ...` wording). */
export function loadSubnetEnv(file: string): SubnetEnv {
  return parseSubnetEnv(readTextGo(file), file);
}
