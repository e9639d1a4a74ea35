/**
 * The vxlan backend (spec §4.2): `flannel.<VNI>` (IPv4 underlay) and `flannel-v6.<VNI>`
 * (IPv6 underlay); per remote lease a permanent neighbour, an FDB entry and an onlink route,
 * or a plain route when DirectRouting is on and the peer shares our L2 segment.
 *
 * Design notes:
 * - No L2MISS/L3MISS: every remote VTEP is known from its lease, so the kernel never has to ask.
 * - MTU: VXLAN over IPv4 costs 50 bytes, over IPv6 70. Upstream subtracts 50 for both, which
 *   makes full-size packets on `flannel-v6.<VNI>` exceed the underlay MTU; we subtract 70 there
 *   and FLANNEL_MTU is the smallest device MTU (an upstream fix, on purpose).
 * - The VTEP MAC survives restarts: an existing device's MAC is kept (even when the device has
 *   to be recreated), else the stored hint (kube annotation), else a random one. Peers' neighbour
 *   entries therefore stay valid across a restart.
 * - DirectRouting decides "same L2 segment" from the external interface's own prefixes, so the
 *   plan stays pure (upstream asks the kernel with a route lookup per event).
 */
import { ConfigError } from "../mod/errors.ts";
import { goFields, optBool, optUint } from "../mod/config/json_fields.ts";
import type { IPAddr, IPNet } from "../mod/ip/mod.ts";
import type { Lease } from "../mod/lease/types.ts";
import type { Entry } from "../mod/reconcile/entries.ts";
import type {
  Backend,
  BackendDeps,
  BackendFactory,
  ExternalInterface,
  Prepared,
  PrepareEnv,
} from "./contract.ts";
import { ensureAddresses, ensureVxlanDevice, parseMac } from "./vxlan_device.ts";
import { MAX_VNI, vtepMac, vxlanDataProblem } from "./vxlan_lease.ts";

export { vtepMac };

/** Bytes VXLAN adds over an IPv4 underlay: outer IPv4 20 + UDP 8 + VXLAN 8 + inner Ethernet 14. */
export const VXLAN_OVERHEAD_V4 = 50;
/** Over an IPv6 underlay the outer header is 40 bytes: 70. */
export const VXLAN_OVERHEAD_V6 = 70;
export const DEFAULT_VNI = 1;

export interface VxlanConfig {
  vni: number;
  /** 0: not sent, the kernel's default 8472. */
  port: number;
  gbp: boolean;
  learning: boolean;
  directRouting: boolean;
  /** 0: the external interface's MTU. */
  mtu: number;
}

const FIELDS = ["VNI", "Port", "GBP", "Learning", "DirectRouting", "MTU"] as const;

/** Parses the vxlan `Backend` object (keys case-insensitive, unknown keys ignored). */
export function parseVxlanConfig(raw: Record<string, unknown>): VxlanConfig {
  const f = goFields(raw, FIELDS);
  const what = "vxlan backend";
  const cfg: VxlanConfig = {
    vni: optUint(f, "VNI", what) ?? DEFAULT_VNI,
    port: optUint(f, "Port", what) ?? 0,
    gbp: optBool(f, "GBP", what) ?? false,
    learning: optBool(f, "Learning", what) ?? false,
    directRouting: optBool(f, "DirectRouting", what) ?? false,
    mtu: optUint(f, "MTU", what) ?? 0,
  };
  if (cfg.vni > MAX_VNI) throw new ConfigError(`${what}: "VNI" ${cfg.vni} exceeds ${MAX_VNI}`);
  if (cfg.port > 65535) throw new ConfigError(`${what}: "Port" ${cfg.port} is not a UDP port`);
  return cfg;
}

/** Device names: `flannel.<VNI>` and `flannel-v6.<VNI>`. */
export function vxlanDeviceName(family: 4 | 6, vni: number): string {
  return family === 4 ? `flannel.${vni}` : `flannel-v6.${vni}`;
}

/** The facts the plan needs; everything here was settled by prepare. */
export interface VxlanPlanFacts {
  directRouting: boolean;
  iface: Pick<ExternalInterface, "name" | "onLink">;
  /** Our device per family (absent when the family is off). */
  dev4: string | null;
  dev6: string | null;
}

interface Peer {
  subnet: IPNet | null;
  publicIP: IPAddr | null;
  data: unknown;
}

function peerEntries(facts: VxlanPlanFacts, dev: string | null, p: Peer): Entry[] {
  if (dev === null || p.subnet === null || p.publicIP === null) return [];
  const dst = p.subnet;
  if (facts.directRouting && facts.iface.onLink.some((n) => n.contains(p.publicIP!))) {
    return [{ kind: "route", dst, gateway: p.publicIP, dev: facts.iface.name, onlink: false }];
  }
  const mac = vtepMac(p.data);
  if (mac === null) return [];
  return [
    { kind: "neigh", dev, ip: dst.ip, mac },
    { kind: "fdb", dev, mac, dst: p.publicIP },
    { kind: "route", dst, gateway: dst.ip, dev, onlink: true },
  ];
}

/**
 * PURE: why the plan cannot use a remote vxlan lease for a family this host runs (no public
 * address, backend data that does not decode, a VtepMAC no VTEP can have); null when it can.
 */
export function vxlanLeaseProblem(facts: VxlanPlanFacts, l: Lease): string | null {
  const a = l.attrs;
  const families = [
    [facts.dev4, l.subnet, a.publicIP, "PublicIP", a.backendData, "BackendData"],
    [facts.dev6, l.ipv6Subnet, a.publicIPv6, "PublicIPv6", a.backendV6Data, "BackendV6Data"],
  ] as const;
  for (const [dev, subnet, ip, ipField, data, dataField] of families) {
    if (dev === null || subnet === null) continue;
    if (ip === null) return `it has no ${ipField}`;
    const p = vxlanDataProblem(data, dataField);
    if (p !== null) return p;
  }
  return null;
}

/** PURE: the entries for remote vxlan leases. Leases of other backend types are skipped. */
export function vxlanPlan(facts: VxlanPlanFacts, remote: readonly Lease[]): Entry[] {
  const out: Entry[] = [];
  for (const l of remote) {
    if (l.attrs.backendType !== "vxlan") continue;
    const a = l.attrs;
    out.push(...peerEntries(facts, facts.dev4, {
      subnet: l.subnet,
      publicIP: a.publicIP,
      data: a.backendData,
    }));
    out.push(...peerEntries(facts, facts.dev6, {
      subnet: l.ipv6Subnet,
      publicIP: a.publicIPv6,
      data: a.backendV6Data,
    }));
  }
  return out;
}

class VxlanBackend implements Backend {
  readonly type = "vxlan";
  readonly #cfg: VxlanConfig;
  readonly #deps: BackendDeps;
  /** MACs chosen by an earlier prepare of this run, reused when a device must be remade. */
  readonly #macs: { 4: string | null; 6: string | null } = { 4: null, 6: null };
  #announced = false;

  constructor(cfg: VxlanConfig, deps: BackendDeps) {
    this.#cfg = cfg;
    this.#deps = deps;
  }

  async prepare(env: PrepareEnv): Promise<Prepared> {
    const { config, iface } = env;
    const cfg = this.#cfg;
    if (!this.#announced) {
      // Upstream's line, once per run (prepare runs again in every full pass).
      env.logger.info(
        `VXLAN config: VNI=${cfg.vni} Port=${cfg.port} GBP=${cfg.gbp} Learning=${cfg.learning} ` +
          `DirectRouting=${cfg.directRouting}`,
      );
      this.#announced = true;
    }
    const base = cfg.mtu > 0 ? cfg.mtu : iface.mtu;
    const devs: { 4: string | null; 6: string | null } = { 4: null, 6: null };
    const data: { 4?: unknown; 6?: unknown } = {};
    let mtu = Infinity;
    for (const fam of [4, 6] as const) {
      if (!(fam === 4 ? config.enableIPv4 : config.enableIPv6)) continue;
      const dev = await this.#device(env, fam, base);
      devs[fam] = dev.name;
      data[fam] = { VNI: cfg.vni, VtepMAC: dev.mac };
      mtu = Math.min(mtu, dev.mtu);
    }
    const facts: VxlanPlanFacts = {
      directRouting: cfg.directRouting,
      iface: { name: iface.name, onLink: iface.onLink },
      dev4: devs[4],
      dev6: devs[6],
    };
    return {
      attrs: {
        publicIP: config.enableIPv4 ? iface.extAddr4 : null,
        publicIPv6: config.enableIPv6 ? iface.extAddr6 : null,
        backendType: "vxlan",
        ...(data[4] !== undefined ? { backendData: data[4] } : {}),
        ...(data[6] !== undefined ? { backendV6Data: data[6] } : {}),
      },
      mtu: Number.isFinite(mtu) ? mtu : base,
      devices: [devs[4], devs[6]].filter((d): d is string => d !== null),
      desiredState: (remote) => vxlanPlan(facts, remote),
      check: (lease) => vxlanLeaseProblem(facts, lease),
    };
  }

  /** Ensures one family's device (and, once leased, its address); returns name, MAC, MTU. */
  async #device(env: PrepareEnv, fam: 4 | 6, base: number) {
    const { config, iface, lease } = env;
    const cfg = this.#cfg;
    const name = vxlanDeviceName(fam, cfg.vni);
    const local = fam === 4 ? iface.extAddr4 : iface.extAddr6;
    if (local === null) {
      throw new ConfigError(`Cannot set up "${name}": no IPv${fam} address on "${iface.name}"`);
    }
    const mtu = base - (fam === 4 ? VXLAN_OVERHEAD_V4 : VXLAN_OVERHEAD_V6);
    const hint = fam === 4 ? env.hints.macV4 : env.hints.macV6;
    const mac = await ensureVxlanDevice(this.#deps, env.logger, {
      name,
      vni: cfg.vni,
      link: iface.index,
      local,
      port: cfg.port,
      gbp: cfg.gbp,
      learning: cfg.learning,
      l2miss: false,
      l3miss: false,
      mtu,
      mac: this.#macs[fam] ?? (hint !== null ? parseMac(hint) : null) ?? "",
    });
    this.#macs[fam] = mac;
    if (lease !== null) await ensureAddresses(this.#deps.devices, name, fam, lease, config);
    return { name, mac, mtu };
  }
}

export const vxlan: BackendFactory<VxlanConfig> = {
  parseConfig: parseVxlanConfig,
  create: (cfg, deps) => new VxlanBackend(cfg, deps),
};
