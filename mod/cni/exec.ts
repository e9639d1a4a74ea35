/**
 * Running another CNI plugin binary found through `CNI_PATH`, as the Go library's `invoke`
 * package does for flannel's delegate (spec/cni.md §2.4): same environment with
 * `CNI_COMMAND` replaced, config on stdin, stderr copied through, "text file busy" retried.
 *
 * Design notes: a failing plugin's stdout is its CNI error and passes through unchanged;
 * when it printed nothing the synthesized error carries code 999 rather than the reference's
 * 0 (§2.9 Q9: the message is the same).
 */
import { FlannelError } from "../errors.ts";
import { CniCode, CniError } from "./errors.ts";
import { type CniResult, parseResult } from "./result.ts";
import { DEFAULT_VERSION } from "./version.ts";
import { goFields, isPlainObject } from "../config/json_fields.ts";
import { type CommandResult, CommandStartError, runCommand } from "../process/run.ts";

/** What running a plugin needs from the world. */
export interface ExecEnv {
  /** The caller's whole environment (CNI_* included). */
  env: Readonly<Record<string, string | undefined>>;
  writeStderr(text: string): Promise<void>;
  /** Waits between "text file busy" retries (1 s upstream). */
  sleep?(ms: number): Promise<void>;
}

const BUSY_RETRIES = 5;

/** No binary for a plugin name in `CNI_PATH`, or no usable name (the reference's texts). */
export class PluginNotFoundError extends FlannelError {
  override name = "PluginNotFoundError";
  constructor(message: string) {
    super("ENOPLUGIN", message);
  }
}

/** Finds `plugin` in the directories of `cniPath` (first regular file wins). */
export async function findInPath(plugin: string, cniPath: string): Promise<string> {
  if (plugin === "") throw new PluginNotFoundError("no plugin name provided");
  if (plugin.includes("/")) throw new PluginNotFoundError(`invalid plugin name: ${plugin}`);
  const dirs = cniPath.split(":").filter((d) => d !== "");
  if (dirs.length === 0) throw new PluginNotFoundError("no paths provided");
  for (const dir of dirs) {
    const full = `${dir.replace(/\/+$/, "")}/${plugin}`;
    const st = await Deno.stat(full).catch(() => null);
    if (st?.isFile) return full;
  }
  throw new PluginNotFoundError(`failed to find plugin "${plugin}" in path [${dirs.join(" ")}]`);
}

function pluginError(stdout: string, stderr: string, code: number): CniError {
  if (stdout === "") {
    return new CniError(
      CniCode.INTERNAL,
      stderr === ""
        ? `netplugin failed with no error message: exit status ${code}`
        : `netplugin failed: ${JSON.stringify(stderr)}: exit status ${code}`,
    );
  }
  try {
    const e = JSON.parse(stdout) as Record<string, unknown>;
    return new CniError(
      typeof e.code === "number" ? e.code : 0,
      typeof e.msg === "string" ? e.msg : "",
      typeof e.details === "string" ? e.details : "",
    );
  } catch (err) {
    return new CniError(
      CniCode.INTERNAL,
      `netplugin failed but error parsing its diagnostic message ${JSON.stringify(stdout)}: ${
        (err as Error).message
      }`,
    );
  }
}

/** ETXTBSY: the binary is still open for writing (being installed); Go's invoke retries. */
const BUSY = /text file busy/i;

/** Runs the plugin at `path` for `command`; returns its stdout, or throws its CNI error. */
export async function execPlugin(
  path: string,
  command: string,
  stdin: Uint8Array,
  x: ExecEnv,
): Promise<string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(x.env)) if (v !== undefined) env[k] = v;
  env.CNI_COMMAND = command;
  for (let attempt = 0;; attempt++) {
    let out: CommandResult;
    try {
      out = await runCommand([path], { env, clearEnv: true, stdin });
    } catch (err) {
      if (err instanceof CommandStartError && BUSY.test(err.message) && attempt < BUSY_RETRIES) {
        await (x.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))))(1000);
        continue;
      }
      throw err;
    }
    if (out.code !== 0) throw pluginError(out.stdout, out.stderr, out.code);
    if (out.stderr !== "") await x.writeStderr(out.stderr);
    return out.stdout;
  }
}

function configVersion(stdin: Uint8Array): string {
  try {
    const conf = JSON.parse(new TextDecoder().decode(stdin)) as unknown;
    const v = isPlainObject(conf) ? goFields(conf, ["cniVersion"]).get("cniVersion") : undefined;
    return typeof v === "string" && v !== "" ? v : DEFAULT_VERSION;
  } catch {
    return DEFAULT_VERSION;
  }
}

/** Delegated ADD: the plugin's result and the version it is in (its own, else the config's). */
export async function delegateAdd(
  plugin: string,
  stdin: Uint8Array,
  x: ExecEnv,
): Promise<{ result: CniResult; version: string }> {
  const path = await findInPath(plugin, x.env.CNI_PATH ?? "");
  const stdout = await execPlugin(path, "ADD", stdin, x);
  let raw: unknown;
  try {
    raw = JSON.parse(stdout);
  } catch (err) {
    throw new Error(`failed to unmarshal raw result: ${(err as Error).message}`);
  }
  const own = isPlainObject(raw) ? raw.cniVersion : undefined;
  const version = typeof own === "string" && own !== "" ? own : configVersion(stdin);
  return { result: parseResult(raw, version), version };
}

/** Delegated DEL / CHECK / GC / STATUS: success or the plugin's error. */
export async function delegateRun(
  plugin: string,
  command: string,
  stdin: Uint8Array,
  x: ExecEnv,
): Promise<void> {
  const path = await findInPath(plugin, x.env.CNI_PATH ?? "");
  await execPlugin(path, command, stdin, x);
}
