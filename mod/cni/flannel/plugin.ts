/**
 * The flannel CNI plugin (spec/cni.md §2): renders the delegate config from its own config
 * and subnet.env, saves it per attachment, and runs the delegate (in-process bridge by
 * default, else a binary from `CNI_PATH`).
 *
 * Deliberate differences from the reference (each a bug or a no-op there):
 * - state is per (container, interface), see state.ts; a DEL removes it only when the
 *   attachment is undone, so the runtime's retry can still release the address after a
 *   transient failure, while a saved config no DEL could ever use is cleaned up with defaults
 *   (the rule is in teardown.ts);
 * - ADD checks the rendered config as the delegates decode it before saving anything, and an
 *   ADD whose delegate failed without leaving anything (the in-process bridge undoes what it
 *   made) leaves no state either, so a refused ADD leaves nothing behind;
 * - CHECK really checks: the saved delegate config against `prevResult` (interface,
 *   addresses, routes), instead of answering success for anything;
 * - STATUS answers code 50 while subnet.env is missing or unreadable (no ADD could work);
 * - GC runs the delegate DEL for every saved attachment not in `cni.dev/valid-attachments`
 *   and releases host-local addresses held by attachments not in it.
 */
import { errorText } from "../../errors.ts";
import { isPlainObject } from "../../config/json_fields.ts";
import { CniCode, CniError } from "../errors.ts";
import { DelegateAddError, type DelegateArgs, DelegateRunner } from "../delegate.ts";
import { type Attachment, hostLocalGC } from "../ipam/host_local.ts";
import { DEFAULT_IPAM_DATA_DIR } from "../ipam/store.ts";
import { parseResult } from "../result.ts";
import type { CmdArgs, CniPlugin } from "../skel.ts";
import { type FlannelNetConf, parseFlannelConf, parseFlannelDelConf } from "./conf.ts";
import { buildDelegate, serializeDelegate } from "./delegate.ts";
import { listStates, readState, removeState, saveState, statePath } from "./state.ts";
import { loadSubnetEnv, type SubnetEnv } from "./subnet_env.ts";
import { delAttachment, savedConfig, type Teardown } from "./teardown.ts";
import { delegateConfigError } from "./validate.ts";

function subnetEnv(n: FlannelNetConf, code: number = CniCode.INTERNAL): SubnetEnv {
  try {
    return loadSubnetEnv(n.subnetFile);
  } catch (err) {
    throw new CniError(
      code,
      `failed to load flannel 'subnet.env' file: ${
        errorText(err)
      }. Check the flannel pod log for this node.`,
    );
  }
}

function delegateArgs(a: CmdArgs): DelegateArgs {
  return { containerID: a.containerID, netns: a.netns, ifName: a.ifName, args: a.args, env: a.env };
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

  function parse(a: CmdArgs): FlannelNetConf {
    try {
      return conf(a);
    } catch (err) {
      throw new Error(`failed to load flannel netconf file: ${errorText(err)}`);
    }
  }

  async function add(a: CmdArgs) {
    const n = parse(a);
    const text = serializeDelegate(buildDelegate(n, subnetEnv(n)));
    const d = JSON.parse(text) as Record<string, unknown>;
    // Refused before anything is saved or made: the runtime's DEL then finds nothing to undo.
    const bad = delegateConfigError(d, a.args);
    if (bad !== null) throw new CniError(CniCode.INTERNAL, bad);
    const bytes = new TextEncoder().encode(text);
    const before = readState(n.dataDir, a.containerID, a.ifName);
    saveState(n.dataDir, a.containerID, a.ifName, bytes);
    try {
      return await runner.add(d, bytes, delegateArgs(a));
    } catch (err) {
      const undone = err instanceof DelegateAddError && err.undone;
      // Nothing of this ADD is left: its state goes too (an earlier ADD's comes back).
      if (undone && before?.owned) saveState(n.dataDir, a.containerID, a.ifName, before.bytes);
      else if (undone) removeState(statePath(n.dataDir, a.containerID, a.ifName));
      const inner = err instanceof DelegateAddError ? err.cause : err;
      if (inner instanceof CniError) throw inner;
      throw new Error(`failed to delegate add: ${errorText(inner)}`, { cause: inner });
    }
  }

  const teardown = (n: FlannelNetConf): Teardown => ({
    runner,
    n,
    rendered() {
      try {
        return buildDelegate(n, loadSubnetEnv(n.subnetFile));
      } catch {
        return {};
      }
    },
  });

  return {
    about,
    add,
    async del(a) {
      const n = parseFlannelDelConf(a.config);
      if (n === null) {
        await runner.stderr("dataDir is not a string: no ADD saved state for this config\n");
        return;
      }
      await delAttachment(teardown(n), delegateArgs(a));
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
        await delAttachment(teardown(n), d).catch((err) => errors.push(errorText(err)));
      }
      try {
        ipamGC(n, valid);
      } catch (err) {
        errors.push(errorText(err));
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
