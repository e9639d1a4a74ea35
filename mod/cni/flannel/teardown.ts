/**
 * DEL of one attachment from its saved state (spec/cni.md §2.6), for DEL and GC.
 *
 * Design notes — a runtime retries a DEL until it succeeds (§1.8), so a DEL that fails keeps
 * its state only when a retry can succeed; every other failure is cleaned up with defaults.
 * - **Transient** (state kept, error returned, the retry frees the IP): the delegate's own
 *   failures — kernel, file, iptables errors, an exec'd delegate answering code 999 or 11.
 * - **Permanent** (cleaned up with defaults, state removed, success): a saved config that is
 *   not JSON or not an object; one the delegates refuse to decode (`delegateConfigError`:
 *   wrong types, a /31 or /32 range); a delegate answering a config, version or env code
 *   (1, 2, 3, 4, 6, 7); a delegate binary missing from `CNI_PATH` (an uninstalled plugin does
 *   not come back; a binary briefly missing during an upgrade loses at most that delegate's
 *   own cleanup, which is what upstream loses on every failure).
 * "Defaults" = the in-process bridge's lenient DEL: the pod's veth `CNI_IFNAME` if present,
 * the host-local addresses of (id, ifname) in the saved `ipam.dataDir`, else the conflist's,
 * else /var/lib/cni/networks, under the saved network name, else the conflist's; the
 * masquerade rules when the saved config (or, for an unreadable one, the config this ADD would
 * render now) had `ipMasq`; another IPAM type's DEL best effort. A failure of that cleanup
 * itself is transient again (state kept).
 */
import { errorText } from "../../errors.ts";
import { goFields, isPlainObject } from "../../config/json_fields.ts";
import { type DelegateArgs, type DelegateRunner, permanentFailure } from "../delegate.ts";
import type { FlannelNetConf } from "./conf.ts";
import { readState, removeState } from "./state.ts";
import { delegateConfigError } from "./validate.ts";

/** A saved config as the reference's DEL reads it: an object with a string `type`. */
export function savedConfig(bytes: Uint8Array): Record<string, unknown> | string {
  let conf: unknown;
  try {
    conf = JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    return errorText(err);
  }
  if (!isPlainObject(conf)) return "json: cannot unmarshal into Go value of type types.NetConf";
  if (conf.type !== undefined && conf.type !== null && typeof conf.type !== "string") {
    return "json: cannot unmarshal into Go struct field NetConf.type of type string";
  }
  return conf;
}

/** The settings of the fallback DEL: saved values where usable, else `base`'s, else defaults. */
function fallbackConf(saved: Record<string, unknown>, base: Record<string, unknown>) {
  const pick = (k: string, ok: (v: unknown) => boolean) => {
    const s = goFields(saved, [k]).get(k), b = goFields(base, [k]).get(k);
    return ok(s) ? s : ok(b) ? b : undefined;
  };
  const str = (v: unknown) => typeof v === "string" && v !== "";
  const ipamOf = (o: Record<string, unknown>) => {
    const v = goFields(o, ["ipam"]).get("ipam");
    return isPlainObject(v) ? goFields(v, ["type", "dataDir"]) : new Map<string, unknown>();
  };
  const si = ipamOf(saved), bi = ipamOf(base);
  const type = [si.get("type"), bi.get("type"), "host-local"].find(str) as string;
  const dataDir = [si.get("dataDir"), bi.get("dataDir")].find(str);
  const ipMasq = pick("ipMasq", (v) => typeof v === "boolean") === true;
  const name = pick("name", str);
  const hostLocal = type === "host-local";
  return {
    conf: {
      type: "bridge",
      name,
      ipMasq,
      ...(hostLocal ? { ipam: { type, ...(dataDir ? { dataDir } : {}) } } : {}),
    },
    otherIpam: hostLocal ? null : type,
  };
}

/** The world one DEL acts in. */
export interface Teardown {
  runner: DelegateRunner;
  n: FlannelNetConf;
  /** What ADD would save now (for an unreadable state), or `{}` when it cannot be rendered. */
  rendered(): Record<string, unknown>;
}

async function cleanUp(
  t: Teardown,
  d: DelegateArgs,
  saved: Record<string, unknown> | null,
  bytes: Uint8Array,
  why: string,
) {
  await t.runner.stderr(`${why}; cleaning up with defaults\n`);
  const base = { name: t.n.name, ...(t.n.ipam ? { ipam: t.n.ipam } : {}), ...t.rendered() };
  const { conf, otherIpam } = fallbackConf(saved ?? {}, base);
  const other = otherIpam && saved ? { type: otherIpam, bytes } : null;
  await t.runner.fallbackDel(conf, d, other);
}

/** DEL of one attachment from its saved state (none = nothing to undo). */
export async function delAttachment(t: Teardown, d: DelegateArgs): Promise<void> {
  const st = readState(t.n.dataDir, d.containerID, d.ifName);
  if (st === null) return;
  const saved = savedConfig(st.bytes);
  if (typeof saved === "string") {
    await cleanUp(t, d, null, st.bytes, `failed to parse netconf: ${saved}`);
  } else {
    const bad = delegateConfigError(saved, d.args);
    if (bad !== null) {
      await cleanUp(t, d, saved, st.bytes, `saved delegate config is unusable: ${bad}`);
    } else {
      try {
        await t.runner.del(saved, st.bytes, d);
      } catch (err) {
        if (!permanentFailure(err)) throw err; // transient: the state stays for the retry
        await cleanUp(t, d, saved, st.bytes, `delegate DEL cannot succeed: ${errorText(err)}`);
      }
    }
  }
  if (st.owned) removeState(st.path);
}
