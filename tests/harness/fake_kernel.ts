/**
 * An in-memory kernel for unit tests of backends, the reconciler and the agent: links,
 * addresses and the three entry kinds, with the same replace/delete semantics as netlink
 * (replace overwrites the object under the entry's key; deleting a missing entry succeeds).
 * Failures can be injected per entry key.
 */
import type { DeviceAddr, DeviceOps, LinkInfo, VxlanSpec } from "../../backends/contract.ts";
import { type Observed, type Op, RTPROT_FLANNEL } from "../../mod/reconcile/diff.ts";
import type { Scope } from "../../mod/reconcile/ownership.ts";
import { type Entry, entryKey } from "../../mod/reconcile/entries.ts";
import type { KernelPort } from "../../mod/reconcile/reconciler.ts";

export class FakeKernel implements KernelPort, DeviceOps {
  links = new Map<string, LinkInfo>();
  addrs = new Map<string, DeviceAddr[]>();
  entries = new Map<string, Observed>();
  sysctls = new Map<string, string>();
  /** Entry keys whose next ops fail (count of failures left). */
  failing = new Map<string, number>();
  /** Every op batch applied, for assertions. */
  batches: Op[][] = [];
  calls: string[] = [];
  #nextIndex = 10;

  // --- KernelPort ---
  read(scope: Scope): Promise<Observed[]> {
    const out = [...this.entries.values()].filter((o) =>
      o.entry.kind === "route" || scope.devices.includes(o.entry.dev)
    );
    return Promise.resolve(out);
  }

  async scan(scope: Scope, visit: (o: Observed) => void): Promise<void> {
    for (const o of await this.read(scope)) visit(o);
  }

  apply(ops: readonly Op[]): Promise<(Error | null)[]> {
    this.batches.push([...ops]);
    return Promise.resolve(ops.map((op) => {
      const k = entryKey(op.entry);
      const left = this.failing.get(k) ?? 0;
      if (left > 0) {
        this.failing.set(k, left - 1);
        return new Error(`injected failure for ${k}`);
      }
      if (op.op === "delete") {
        this.entries.delete(k);
        return null;
      }
      if (!this.links.has(op.entry.dev) && this.links.size > 0) {
        return new Error(`No such device "${op.entry.dev}"`);
      }
      this.entries.set(k, { entry: op.entry, protocol: RTPROT_FLANNEL, permanent: true });
      return null;
    }));
  }

  /** Puts an entry in place as if someone else (or an earlier run) had. */
  put(entry: Entry, meta: Omit<Observed, "entry"> = { protocol: RTPROT_FLANNEL, permanent: true }) {
    this.entries.set(entryKey(entry), { entry, ...meta });
  }

  keys(): string[] {
    return [...this.entries.keys()].sort();
  }

  // --- DeviceOps ---
  getLink(name: string): Promise<LinkInfo | null> {
    return Promise.resolve(this.links.get(name) ?? null);
  }

  addVxlan(spec: VxlanSpec): Promise<void> {
    this.calls.push(`add ${spec.name}`);
    if (this.links.has(spec.name)) return Promise.reject(new Error("EEXIST"));
    const { name, mtu, mac, ...vx } = spec;
    this.links.set(name, {
      index: this.#nextIndex++,
      name,
      kind: "vxlan",
      mtu,
      mac,
      up: false,
      vxlan: { ...vx, port: vx.port === 0 ? 8472 : vx.port },
    });
    return Promise.resolve();
  }

  /** Deletes a link and everything on it, as the kernel does. */
  deleteLink(name: string): Promise<void> {
    this.calls.push(`del ${name}`);
    this.links.delete(name);
    this.addrs.delete(name);
    for (const [k, o] of this.entries) if (o.entry.dev === name) this.entries.delete(k);
    return Promise.resolve();
  }

  setMtuUp(name: string, mtu: number): Promise<void> {
    const l = this.links.get(name);
    if (!l) return Promise.reject(new Error(`No such device "${name}"`));
    this.links.set(name, { ...l, mtu, up: true });
    return Promise.resolve();
  }

  listAddrs(name: string): Promise<DeviceAddr[]> {
    return Promise.resolve([...(this.addrs.get(name) ?? [])]);
  }

  addAddr(name: string, a: DeviceAddr): Promise<void> {
    this.calls.push(`addr add ${a.ip}/${a.prefixLen} ${name}`);
    this.addrs.set(name, [...(this.addrs.get(name) ?? []), a]);
    return Promise.resolve();
  }

  delAddr(name: string, a: DeviceAddr): Promise<void> {
    this.calls.push(`addr del ${a.ip}/${a.prefixLen} ${name}`);
    const list = this.addrs.get(name) ?? [];
    this.addrs.set(name, list.filter((x) => !(x.ip.equals(a.ip) && x.prefixLen === a.prefixLen)));
    return Promise.resolve();
  }

  setSysctl(path: string, value: string): Promise<void> {
    this.sysctls.set(path, value);
    return Promise.resolve();
  }
}
