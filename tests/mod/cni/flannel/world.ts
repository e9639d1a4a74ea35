/**
 * The flannel plugin run through injected IO: a scratch dir with subnet.env and a fake
 * plugin binary, and an in-memory "bridge" in place of the in-process one (no root, no
 * kernel).
 */
import { flannelPlugin } from "../../../../mod/cni/flannel/plugin.ts";
import {
  type DelegateArgs,
  DelegateRunner,
  type InProcessDelegate,
} from "../../../../mod/cni/delegate.ts";
import { CniError } from "../../../../mod/cni/errors.ts";
import type { CniResult } from "../../../../mod/cni/result.ts";
import { runCni } from "../../../../mod/cni/skel.ts";
import { cniEnv, fakeIO } from "../skel_helpers.ts";
import { writeFakePlugin } from "../fake_plugin.ts";
import { SUBNET_ENV } from "./vectors.ts";

/** An in-process "bridge" that remembers attachments instead of touching the kernel. */
export class MemoryBridge implements InProcessDelegate {
  live = new Map<string, Record<string, unknown>>();
  calls: string[] = [];
  /** The config of every DEL, in order. */
  delConfs: Record<string, unknown>[] = [];
  failDel = false;
  /** Makes ADD fail with this error (after "making" the attachment, as a veth would be). */
  failAdd: Error | null = null;
  handles(conf: Record<string, unknown>) {
    return conf.unsupported === undefined;
  }
  add(conf: Record<string, unknown>, a: DelegateArgs): Promise<CniResult> {
    this.calls.push(`ADD ${a.containerID}/${a.ifName}`);
    const key = `${a.containerID}/${a.ifName}`;
    if (this.live.has(key)) {
      return Promise.reject(new Error(`container veth name provided (${a.ifName}) already exists`));
    }
    if (this.failAdd) return Promise.reject(this.failAdd);
    this.live.set(key, conf);
    return Promise.resolve({
      cniVersion: "1.1.0",
      interfaces: [{ name: "cni0" }, { name: "veth0" }, { name: a.ifName, sandbox: a.netns }],
      ips: [{ address: `10.1.17.${this.live.size + 1}/24`, gateway: "10.1.17.1", interface: 2 }],
      routes: [{ dst: "10.1.0.0/16" }],
      dns: {},
    });
  }
  del(conf: Record<string, unknown>, a: DelegateArgs): Promise<void> {
    this.calls.push(`DEL ${a.containerID}/${a.ifName} netns=${a.netns}`);
    this.delConfs.push(conf);
    if (this.failDel) return Promise.reject(new Error("iptables busy"));
    this.live.delete(`${a.containerID}/${a.ifName}`);
    return Promise.resolve();
  }
  check(_conf: Record<string, unknown>, a: DelegateArgs, prev: CniResult): Promise<void> {
    this.calls.push(`CHECK ${a.containerID}/${a.ifName} ${prev.ips[0]?.address}`);
    return this.live.has(`${a.containerID}/${a.ifName}`)
      ? Promise.resolve()
      : Promise.reject(new CniError(999, "gone"));
  }
}

// Parsed CNI output, read field by field in assertions.
// deno-lint-ignore no-explicit-any
export type Json = any;

/** What one call printed. */
export interface Call {
  code: number;
  out: string;
  err: string;
  json: () => Json;
}

export interface World {
  dir: string;
  bridge: MemoryBridge;
  /** A call with the world's flannel config (paths into `dir`) plus `conf`. */
  run(cmd: string, conf: Record<string, unknown>, env?: Record<string, string>): Promise<Call>;
  /** A call with `stdin` as given. */
  runRaw(cmd: string, stdin: string, env?: Record<string, string>): Promise<Call>;
  /** The world's flannel config text with `inner` (raw JSON members) added. */
  confText(inner: string): string;
}

export async function withWorld(
  fn: (w: World) => Promise<void>,
  subnetEnv: string = SUBNET_ENV.onlyIpv4,
) {
  const dir = await Deno.makeTempDir({ prefix: "cni-flannel-" });
  const bridge = new MemoryBridge();
  await Deno.writeTextFile(`${dir}/subnet.env`, subnetEnv);
  await writeFakePlugin(dir, "fakebr");
  const base = {
    name: "cni-flannel",
    type: "flannel",
    subnetFile: `${dir}/subnet.env`,
    dataDir: `${dir}/state`,
  };
  const w: World = {
    dir,
    bridge,
    run: (cmd, conf, env = {}) => w.runRaw(cmd, JSON.stringify({ ...base, ...conf }), env),
    async runRaw(cmd, stdin, env = {}) {
      const io = fakeIO({ ...cniEnv(cmd, { CNI_PATH: dir }), ...env }, stdin);
      const runner = new DelegateRunner(
        (t) => Promise.resolve(t === "bridge" ? bridge : null),
        io.io,
      );
      const code = await runCni(flannelPlugin("about", runner), io.io);
      return { code, out: io.out(), err: io.err(), json: () => JSON.parse(io.out()) };
    },
    confText: (inner) => JSON.stringify(base).slice(0, -1) + "," + inner + "}",
  };
  try {
    await fn(w);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

export const exists = (p: string) => Deno.stat(p).then(() => true, () => false);
