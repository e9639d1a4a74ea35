/**
 * Running flannel's delegate: in-process when an implementation claims the config (the
 * bridge with host-local IPAM, the default), otherwise the binary named by `type` from
 * `CNI_PATH`, exactly as upstream (spec/cni.md §2.4).
 */
import { errorText, FlannelError } from "../errors.ts";
import { CniCode, CniError, findCause, toCniError } from "./errors.ts";
import { delegateAdd, delegateRun, type ExecEnv, PluginNotFoundError } from "./exec.ts";
import { hasLeftovers } from "./undo.ts";
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

  /**
   * ADD: the result and the version to print it in. Failures are {@linkcode DelegateAddError}s
   * telling whether nothing of the ADD is left.
   */
  async add(
    conf: Record<string, unknown>,
    bytes: Uint8Array,
    a: DelegateArgs,
  ): Promise<{ result: CniResult; version: string }> {
    let local: InProcessDelegate | null;
    try {
      local = await this.#local(conf);
    } catch (err) {
      throw new DelegateAddError(err, true); // refused before anything ran
    }
    if (local === null) {
      try {
        return await delegateAdd(String(conf.type), bytes, this.#env(a));
      } catch (err) {
        // A binary that ran may have made anything: only "not found" is known to be clean.
        throw new DelegateAddError(err, err instanceof PluginNotFoundError);
      }
    }
    try {
      return { result: await asCni(local.add(conf, a)), version: delegateVersion(conf) };
    } catch (err) {
      throw new DelegateAddError(err, !hasLeftovers(err));
    }
  }

  /**
   * DEL of an attachment whose saved config cannot be used (see flannel/plugin.ts): the
   * in-process bridge's lenient DEL with `conf` (pod interface, host-local addresses,
   * masquerade rules), then, best effort, the DEL of another IPAM type with the saved bytes.
   */
  async fallbackDel(
    conf: Record<string, unknown>,
    a: DelegateArgs,
    otherIpam: { type: string; bytes: Uint8Array } | null,
  ): Promise<void> {
    const bridge = await this.#load("bridge");
    if (bridge !== null) await asCni(bridge.del(conf, a));
    if (otherIpam === null) return;
    try {
      await delegateRun(otherIpam.type, "DEL", otherIpam.bytes, this.#env(a));
    } catch (err) {
      await this.stderr(`IPAM "${otherIpam.type}" release skipped: ${errorText(err)}\n`);
    }
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

/**
 * A delegate ADD failed; `undone` is true when nothing of it is left (refused before acting,
 * not found, or undone by the in-process delegate). The delegate's own error is the `cause`.
 */
export class DelegateAddError extends FlannelError {
  override name = "DelegateAddError";
  readonly undone: boolean;
  constructor(cause: unknown, undone: boolean) {
    super("EDELEGATEADD", errorText(cause), { cause });
    this.undone = undone;
  }
}

/** CNI codes a retry of the same call cannot change (config, version, env; 3: container gone). */
const PERMANENT_CODES: readonly number[] = [
  CniCode.INCOMPATIBLE_VERSION,
  CniCode.UNSUPPORTED_FIELD,
  CniCode.UNKNOWN_CONTAINER,
  CniCode.INVALID_ENV,
  CniCode.DECODING_FAILURE,
  CniCode.INVALID_NETWORK_CONFIG,
];

/**
 * True when a delegate DEL failed for a cause no retry can change: its binary is not in
 * `CNI_PATH`, or it answered one of the permanent CNI codes. Anything else (code 999 or 11,
 * kernel, file, iptables errors) may pass.
 */
export function permanentFailure(err: unknown): boolean {
  const first = findCause(
    err,
    (e): e is Error =>
      e instanceof PluginNotFoundError || (e instanceof CniError && e.cniCode !== CniCode.INTERNAL),
  );
  if (first instanceof PluginNotFoundError) return true;
  return first instanceof CniError && PERMANENT_CODES.includes(first.cniCode);
}

/**
 * In-process delegate failures look like the reference binary's: CNI errors, code 999 unless
 * a CNI error inside says otherwise (an exec'd IPAM's code survives an undo's wrapping).
 */
async function asCni<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof CniError) throw err;
    const inner = toCniError(err);
    throw new CniError(inner.cniCode, errorText(err), inner.details, { cause: err });
  }
}
