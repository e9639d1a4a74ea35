/**
 * The `bridge` delegate in-process, with host-local IPAM in-process too: one process per
 * CNI call instead of flannel → bridge → host-local. Configs using options not implemented
 * here are declined (see conf.ts) and run from `CNI_PATH` instead.
 */
import type { DelegateArgs, InProcessDelegate } from "../delegate.ts";
import type { CniResult } from "../result.ts";
import { bridgeAdd } from "./add.ts";
import { bridgeCheck } from "./check.ts";
import { bridgeDelConf, inProcessSupported, parseBridgeConf } from "./conf.ts";
import { bridgeDel } from "./del.ts";
import { type Ipam, ipamFor } from "./ipam.ts";
import { type IptablesRunner, runIptables } from "./masq.ts";

/** What the bridge takes from the world besides the kernel. */
export interface BridgeWorld {
  iptables: IptablesRunner;
  /** 8 random lowercase hex digits for host veth names. */
  randomHex8(): string;
  writeStderr(text: string): Promise<void>;
  /** The host namespace by path; null = the one this process runs in (always, in a CNI call). */
  hostNetns: string | null;
  /** Marks the end of a phase (profiling); absent = not traced. */
  trace?(label: string): void;
}

/** 8 random lowercase hex digits. */
export function randomHex8(): string {
  const b = crypto.getRandomValues(new Uint8Array(4));
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
}

const stderr = (text: string) => Deno.stderr.write(new TextEncoder().encode(text)).then(() => {});

/** The real world of a CNI call: iptables, random names, stderr, our own netns as host. */
export function realWorld(): BridgeWorld {
  return { iptables: runIptables, randomHex8, writeStderr: stderr, hostNetns: null };
}

/** The in-process bridge (in the real world unless told otherwise). */
export function bridgeDelegate(w: BridgeWorld = realWorld()): InProcessDelegate {
  const setup = (conf: Record<string, unknown>, a: DelegateArgs) => {
    const c = parseBridgeConf(conf, a.args);
    const ipam: Ipam | null = c.ipamType ? ipamFor(c.ipamType, conf, a, w.writeStderr) : null;
    return { c, ipam };
  };
  return {
    handles: inProcessSupported,
    async add(conf, a): Promise<CniResult> {
      const { c, ipam } = setup(conf, a);
      return await bridgeAdd(c, a, ipam, w);
    },
    async del(conf, a) {
      const c = bridgeDelConf(conf);
      const ipam = c.ipamType ? ipamFor(c.ipamType, conf, a, w.writeStderr) : null;
      await bridgeDel(c, a, ipam, w);
    },
    async check(conf, a, prev) {
      const { c, ipam } = setup(conf, a);
      await bridgeCheck(c, a, ipam, prev, w.hostNetns);
    },
  };
}
