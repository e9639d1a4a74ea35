/**
 * The flannel CNI plugin (spec/cni.md §2): renders the delegate config from its own config
 * and subnet.env, saves it per attachment, and runs the delegate (in-process bridge by
 * default, else a binary from `CNI_PATH`).
 *
 * Deliberate differences from the reference (each a bug or a no-op there):
 * - state is per (container, interface), see state.ts; it is removed only when the delegate
 *   DEL succeeded, so the runtime's retry can still release the address;
 * - CHECK really checks: the saved delegate config against `prevResult` (interface,
 *   addresses, routes), instead of answering success for anything;
 * - STATUS answers code 50 while subnet.env is missing or unreadable (no ADD could work);
 * - GC runs the delegate DEL for every saved attachment not in `cni.dev/valid-attachments`
 *   and releases host-local addresses held by attachments not in it.
 */
import { isPlainObject } from "../../config/json_fields.ts";
import { CniCode, CniError } from "../errors.ts";
import { type DelegateArgs, DelegateRunner } from "../delegate.ts";
import { type Attachment, hostLocalGC } from "../ipam/host_local.ts";
import { DEFAULT_IPAM_DATA_DIR } from "../ipam/store.ts";
import { parseResult } from "../result.ts";
import type { CmdArgs, CniPlugin } from "../skel.ts";
import { type FlannelNetConf, parseFlannelConf } from "./conf.ts";
import { buildDelegate, serializeDelegate } from "./delegate.ts";
import { listStates, readState, removeState, saveState } from "./state.ts";
import { loadSubnetEnv, type SubnetEnv } from "./subnet_env.ts";

const msgOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

function subnetEnv(n: FlannelNetConf, code: number = CniCode.INTERNAL): SubnetEnv {
  try {
    return loadSubnetEnv(n.subnetFile);
  } catch (err) {
    throw new CniError(
      code,
      `failed to load flannel 'subnet.env' file: ${
        msgOf(err)
      }. Check the flannel pod log for this node.`,
    );
  }
}

function delegateArgs(a: CmdArgs): DelegateArgs {
  return { containerID: a.containerID, netns: a.netns, ifName: a.ifName, args: a.args, env: a.env };
}

/** A saved config as the reference's DEL reads it: an object with a string `type`. */
function savedConfig(bytes: Uint8Array): Record<string, unknown> | string {
  let conf: unknown;
  try {
    conf = JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    return msgOf(err);
  }
  if (!isPlainObject(conf)) return "json: cannot unmarshal into Go value of type types.NetConf";
  if (conf.type !== undefined && conf.type !== null && typeof conf.type !== "string") {
    return "json: cannot unmarshal into Go struct field NetConf.type of type string";
  }
  return conf;
}

/** The attachments a GC must keep; null when the runtime sent no list (then GC does nothing). */
function validAttachments(config: Record<string, unknown>): Attachment[] | null {
  const raw = config["cni.dev/valid-attachments"] ?? config["cni.dev/attachments"];
  if (!Array.isArray(raw)) return null;
  return raw.filter(isPlainObject).map((o) => ({
    containerID: String(o.containerID ?? ""),
    ifname: String(o.ifname ?? ""),
  }));
}

/** Builds the plugin's handlers around a delegate runner. */
export function flannelPlugin(about: string, runner: DelegateRunner): CniPlugin {
  const conf = (a: CmdArgs) => parseFlannelConf(a.config);

  async function add(a: CmdArgs) {
    let n: FlannelNetConf;
    try {
      n = conf(a);
    } catch (err) {
      throw new Error(`failed to load flannel netconf file: ${msgOf(err)}`);
    }
    const text = serializeDelegate(buildDelegate(n, subnetEnv(n)));
    const bytes = new TextEncoder().encode(text);
    saveState(n.dataDir, a.containerID, a.ifName, bytes);
    try {
      return await runner.add(JSON.parse(text), bytes, delegateArgs(a));
    } catch (err) {
      if (err instanceof CniError) throw err;
      throw new Error(`failed to delegate add: ${msgOf(err)}`, { cause: err });
    }
  }

  /** DEL of one attachment from its saved state (none = nothing to undo). */
  async function delOne(n: FlannelNetConf, d: DelegateArgs): Promise<void> {
    const st = readState(n.dataDir, d.containerID, d.ifName);
    if (st === null) return;
    const saved = savedConfig(st.bytes);
    if (typeof saved === "string") {
      await runner.stderr(`failed to parse netconf: ${saved}`);
      return;
    }
    await runner.del(saved, st.bytes, d);
    if (st.owned) removeState(st.path);
  }

  return {
    about,
    add,
    async del(a) {
      await delOne(conf(a), delegateArgs(a));
    },
    async check(a) {
      const n = conf(a);
      const prevRaw = a.config.prevResult;
      if (!isPlainObject(prevRaw)) throw new Error("Required prevResult missing");
      const prev = parseResult(prevRaw, a.cniVersion);
      const st = readState(n.dataDir, a.containerID, a.ifName);
      if (st === null) {
        throw new Error(
          `No saved delegate configuration for container "${a.containerID}" interface "${a.ifName}"`,
        );
      }
      const saved = savedConfig(st.bytes);
      if (typeof saved === "string") throw new Error(`failed to parse netconf: ${saved}`);
      await runner.check({ ...saved, prevResult: prevRaw }, prev, delegateArgs(a));
    },
    async gc(a) {
      const n = conf(a);
      const valid = validAttachments(a.config);
      if (valid === null) return; // without the list every attachment would look stale
      const errors: string[] = [];
      for (const s of listStates(n.dataDir)) {
        if (valid.some((v) => v.containerID === s.containerID && v.ifname === s.ifname)) continue;
        const d = { containerID: s.containerID, ifName: s.ifname, netns: "", args: "", env: a.env };
        await delOne(n, d).catch((err) => errors.push(msgOf(err)));
      }
      try {
        ipamGC(n, valid);
      } catch (err) {
        errors.push(msgOf(err));
      }
      if (errors.length > 0) throw new Error(errors.join("; "));
    },
    status(a) {
      subnetEnv(conf(a), CniCode.NOT_AVAILABLE);
      return Promise.resolve();
    },
  };
}

/** Releases host-local addresses of stale attachments when the delegate's IPAM is host-local. */
function ipamGC(n: FlannelNetConf, valid: Attachment[]): void {
  if ((n.ipam?.type ?? "host-local") !== "host-local") return;
  const dataDir = typeof n.ipam?.dataDir === "string" ? n.ipam.dataDir : DEFAULT_IPAM_DATA_DIR;
  hostLocalGC(dataDir, n.name, valid);
}
