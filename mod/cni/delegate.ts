/**
 * Running flannel's delegate: in-process when an implementation claims the config (the
 * bridge with host-local IPAM, the default), otherwise the binary named by `type` from
 * `CNI_PATH`, exactly as upstream (spec/cni.md §2.4).
 */
import { CniCode, CniError } from "./errors.ts";
import { delegateAdd, delegateRun, type ExecEnv } from "./exec.ts";
import type { CniResult } from "./result.ts";
import { DEFAULT_VERSION, isSupported, supportedQuoted } from "./version.ts";

/** The CNI_* values a delegate acts on (the caller's, or a GC's stale attachment). */
export interface DelegateArgs {
  containerID: string;
  netns: string;
  ifName: string;
  /** `CNI_ARGS`. */
  args: string;
  env: Readonly<Record<string, string | undefined>>;
}

/** A delegate plugin implemented inside this program. */
export interface InProcessDelegate {
  /** True when the config uses only what this implementation supports. */
  handles(conf: Record<string, unknown>): boolean;
  add(conf: Record<string, unknown>, a: DelegateArgs): Promise<CniResult>;
  del(conf: Record<string, unknown>, a: DelegateArgs): Promise<void>;
  check(conf: Record<string, unknown>, a: DelegateArgs, prev: CniResult): Promise<void>;
}

/** Loads the in-process implementation of a delegate type, or null (then it is exec'd). */
export type DelegateLoader = (type: string) => Promise<InProcessDelegate | null>;

/** The version a delegate answers in: its config's `cniVersion`, else 0.1.0. */
export function delegateVersion(conf: Record<string, unknown>): string {
  return typeof conf.cniVersion === "string" && conf.cniVersion !== ""
    ? conf.cniVersion
    : DEFAULT_VERSION;
}

/** Runs delegates of one call: picks in-process or exec per config. */
export class DelegateRunner {
  readonly #load: DelegateLoader;
  readonly #x: ExecEnv;
  constructor(load: DelegateLoader, x: ExecEnv) {
    this.#load = load;
    this.#x = x;
  }

  /** Writes diagnostics to the plugin's stderr. */
  stderr(text: string): Promise<void> {
    return this.#x.writeStderr(text);
  }

  async #local(conf: Record<string, unknown>): Promise<InProcessDelegate | null> {
    const impl = await this.#load(String(conf.type));
    if (impl === null || !impl.handles(conf)) return null;
    const v = delegateVersion(conf);
    if (!isSupported(v)) {
      throw new CniError(
        CniCode.INCOMPATIBLE_VERSION,
        "incompatible CNI versions",
        `config is "${v}", plugin supports ${supportedQuoted()}`,
      );
    }
    return impl;
  }

  #env(a: DelegateArgs): ExecEnv {
    const env = {
      ...a.env,
      CNI_CONTAINERID: a.containerID,
      CNI_NETNS: a.netns,
      CNI_IFNAME: a.ifName,
    };
    return { ...this.#x, env };
  }

  /** ADD: the result and the version to print it in. */
  async add(
    conf: Record<string, unknown>,
    bytes: Uint8Array,
    a: DelegateArgs,
  ): Promise<{ result: CniResult; version: string }> {
    const local = await this.#local(conf);
    if (local === null) return await delegateAdd(String(conf.type), bytes, this.#env(a));
    return { result: await asCni(local.add(conf, a)), version: delegateVersion(conf) };
  }

  /** DEL with the saved config bytes. */
  async del(conf: Record<string, unknown>, bytes: Uint8Array, a: DelegateArgs): Promise<void> {
    const local = await this.#local(conf);
    if (local === null) return await delegateRun(String(conf.type), "DEL", bytes, this.#env(a));
    await asCni(local.del(conf, a));
  }

  /** CHECK against a previous result (`conf` already carries it as `prevResult`). */
  async check(conf: Record<string, unknown>, prev: CniResult, a: DelegateArgs): Promise<void> {
    const local = await this.#local(conf);
    if (local === null) {
      const bytes = new TextEncoder().encode(JSON.stringify(conf));
      return await delegateRun(String(conf.type), "CHECK", bytes, this.#env(a));
    }
    await asCni(local.check(conf, a, prev));
  }
}

/** In-process delegate failures look like the reference binary's: CNI errors, code 999. */
async function asCni<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof CniError) throw err;
    throw new CniError(CniCode.INTERNAL, err instanceof Error ? err.message : String(err), "", {
      cause: err,
    });
  }
}
