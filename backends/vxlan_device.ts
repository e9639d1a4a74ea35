/**
 * The vxlan device and its address: reuse a compatible `flannel.<VNI>`, recreate an
 * incompatible one, and keep the VTEP MAC peers already know.
 *
 * Design notes: "compatible" follows upstream (same kind and VNI; underlay, local address and
 * port compared only when set on both; same GBP and L2MISS) and adds learning, L3MISS and the
 * MAC: a device that differs in those would silently misbehave, and recreating it is cheap.
 * The MTU is simply set. When the device must be recreated its old MAC is kept.
 */
import { ConfigError } from "../mod/errors.ts";
import type { NetworkConfig } from "../mod/config/net_conf.ts";
import { IPNet } from "../mod/ip/mod.ts";
import type { Lease } from "../mod/lease/types.ts";
import type { Logger } from "../mod/log.ts";
import type { BackendDeps, DeviceAddr, DeviceOps, LinkInfo, VxlanSpec } from "./contract.ts";

const MAC = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/i;

/** A MAC in lower-case colon form, or null when `text` is not one. */
export function parseMac(text: string): string | null {
  return MAC.test(text) ? text.toLowerCase() : null;
}

/** A random locally administered unicast MAC (first byte `(b & 0xfe) | 0x02`, as upstream). */
export function randomMac(randomBytes: (n: number) => Uint8Array): string {
  const b = randomBytes(6);
  b[0] = (b[0]! & 0xfe) | 0x02;
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join(":");
}

/** Why an existing link cannot serve as `want`; null when it can. */
export function incompatibility(cur: LinkInfo, want: VxlanSpec): string | null {
  const v = cur.vxlan;
  if (cur.kind !== "vxlan" || v === undefined) return `type is "${cur.kind}", not "vxlan"`;
  if (v.vni !== want.vni) return `VNI ${v.vni} differs from ${want.vni}`;
  if (v.link !== 0 && want.link !== 0 && v.link !== want.link) {
    return `underlay ifindex ${v.link} differs from ${want.link}`;
  }
  if (v.local !== null && want.local !== null && !v.local.equals(want.local)) {
    return `local address ${v.local} differs from ${want.local}`;
  }
  if (v.port !== 0 && want.port !== 0 && v.port !== want.port) {
    return `port ${v.port} differs from ${want.port}`;
  }
  if (v.gbp !== want.gbp) return `GBP ${v.gbp} differs from ${want.gbp}`;
  if (v.learning !== want.learning) return `learning ${v.learning} differs from ${want.learning}`;
  if (v.l2miss || v.l3miss) return "L2MISS/L3MISS are set";
  if (want.mac !== "" && cur.mac !== want.mac) return `MAC ${cur.mac} differs from ${want.mac}`;
  return null;
}

/**
 * Makes sure the device `spec.name` exists as specified and is up; returns its MAC.
 * `spec.mac` "" means "any": keep the existing device's MAC, else make a random one.
 */
export async function ensureVxlanDevice(
  deps: BackendDeps,
  logger: Logger,
  spec: VxlanSpec,
): Promise<string> {
  const dev = deps.devices;
  const cur = await dev.getLink(spec.name);
  if (cur !== null) {
    const why = incompatibility(cur, spec);
    if (why === null) {
      await dev.setMtuUp(spec.name, spec.mtu);
      return cur.mac;
    }
    logger.warn(
      `"${spec.name}" already exists with incompatible configuration: ${why}; recreating device`,
    );
    await dev.deleteLink(spec.name);
  }
  const mac = spec.mac !== "" ? spec.mac : parseMac(cur?.mac ?? "") ?? randomMac(deps.randomBytes);
  await dev.addVxlan({ ...spec, mac });
  if (spec.local?.family === 6) {
    // Router advertisements on the overlay would add addresses and routes we do not own.
    await dev.setSysctl(`ipv6/conf/${spec.name}/accept_ra`, "0").catch(() => {});
  }
  await dev.setMtuUp(spec.name, spec.mtu);
  logger.info(`Created vxlan device "${spec.name}" (VNI ${spec.vni}, MAC ${mac}, MTU ${spec.mtu})`);
  return mac;
}

function isLinkLocal6(a: DeviceAddr): boolean {
  return a.ip.family === 6 && (a.ip.value >> 118n) === 0x3fan; // fe80::/10
}

/**
 * `<subnet>.0/32` (IPv4) or `<subnet>::/128` (IPv6) on the device; other IPv4 addresses inside
 * the cluster network, and every other global IPv6 address, are removed (as upstream).
 */
export async function ensureAddresses(
  dev: DeviceOps,
  name: string,
  family: 4 | 6,
  lease: Lease,
  config: NetworkConfig,
): Promise<void> {
  const subnet = family === 4 ? lease.subnet : lease.ipv6Subnet;
  if (subnet === null) {
    throw new ConfigError(
      `failed to configure interface ${name}: IPv${family} is enabled but the lease has no IPv${family}`,
    );
  }
  const want: DeviceAddr = { ip: subnet.ip, prefixLen: family === 4 ? 32 : 128 };
  const network: IPNet | null = family === 4 ? config.network : config.ipv6Network;
  let have = false;
  for (const a of await dev.listAddrs(name)) {
    if (a.ip.family !== family) continue;
    if (a.ip.equals(want.ip) && a.prefixLen === want.prefixLen) {
      have = true;
      continue;
    }
    const stray = family === 4 ? (network?.contains(a.ip) ?? false) : !isLinkLocal6(a);
    if (stray) await dev.delAddr(name, a);
  }
  if (!have) await dev.addAddr(name, want);
}
