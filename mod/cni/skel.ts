/**
 * The CNI dispatcher: environment validation, version negotiation, command dispatch and
 * error printing, with env, stdin and stdout injected. Behaviour of the Go `skel` library as
 * described in spec/cni.md §1.9 (order of checks, codes and messages).
 *
 * Design notes: the library checks "CNI_NETNS is not the plugin's own netns" after ADD/DEL
 * have already acted and printed; here it runs before the handler (the spec allows it), so
 * a mistaken runtime cannot make DEL remove the host's own interface.
 */
import { goFields, isPlainObject, jsonKind } from "../config/json_fields.ts";
import { CniCode, CniError, errorObject, toCniError } from "./errors.ts";
import { goJSON } from "./go_json.ts";
import { exceedsDepth, MAX_JSON_DEPTH } from "./json_depth.ts";
import { checkEnv, CONTAINER_ID_RE } from "./env.ts";
import { type CniResult, formatResult } from "./result.ts";
import {
  DEFAULT_VERSION,
  isSupported,
  LIBRARY_VERSION,
  SUPPORTED_VERSIONS,
  supportedQuoted,
  versionAtLeast,
} from "./version.ts";

/** The process world a CNI call sees. */
export interface CniIO {
  env: Readonly<Record<string, string | undefined>>;
  readStdin(): Promise<Uint8Array>;
  writeStdout(text: string): Promise<void>;
  writeStderr(text: string): Promise<void>;
  /** True when `path` is the caller's own network namespace; absent = never checked. */
  isOwnNetns?(path: string): boolean;
  /** Marks a phase of the call (profiling, `FLANNEL_CNI_TRACE`); absent = not traced. */
  trace?(label: string): void;
}

/** Everything a handler gets: the CNI_* values, raw and parsed stdin, negotiated version. */
export interface CmdArgs {
  command: string;
  containerID: string;
  netns: string;
  ifName: string;
  args: string;
  path: string;
  stdin: Uint8Array;
  config: Record<string, unknown>;
  cniVersion: string;
  env: Readonly<Record<string, string | undefined>>;
}

/** A plugin's handlers. Missing `gc`/`status` answer success, as the library does. */
export interface CniPlugin {
  about: string;
  add(args: CmdArgs): Promise<{ result: CniResult; version: string }>;
  del(args: CmdArgs): Promise<void>;
  check(args: CmdArgs): Promise<void>;
  gc?(args: CmdArgs): Promise<void>;
  status?(args: CmdArgs): Promise<void>;
}

function goTypeError(v: unknown, field: string): string {
  const kind = typeof v === "boolean" ? "bool" : jsonKind(v);
  return `json: cannot unmarshal ${kind} into Go struct field .${field} of type string`;
}

/** Step 4: stdin must be a JSON object with a valid `name`. */
function parseConfig(stdin: Uint8Array): Record<string, unknown> {
  const text = new TextDecoder().decode(stdin);
  if (exceedsDepth(text)) {
    throw new CniError(
      CniCode.DECODING_FAILURE,
      `error unmarshall network config: exceeded max depth (${MAX_JSON_DEPTH} levels of nesting)`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const msg = text.trim() === "" ? "unexpected end of JSON input" : (err as Error).message;
    throw new CniError(CniCode.DECODING_FAILURE, `error unmarshall network config: ${msg}`);
  }
  if (value === null) value = {};
  if (!isPlainObject(value)) {
    const kind = typeof value === "boolean" ? "bool" : jsonKind(value);
    throw new CniError(
      CniCode.DECODING_FAILURE,
      `error unmarshall network config: json: cannot unmarshal ${kind} into Go value of type struct { Name string "json:\\"name\\"" }`,
    );
  }
  const name = goFields(value, ["name"]).get("name") ?? "";
  if (typeof name !== "string") {
    throw new CniError(
      CniCode.DECODING_FAILURE,
      `error unmarshall network config: ${goTypeError(name, "name")}`,
    );
  }
  if (name === "") throw new CniError(CniCode.INVALID_NETWORK_CONFIG, "missing network name");
  if (!CONTAINER_ID_RE.test(name)) {
    throw new CniError(
      CniCode.INVALID_NETWORK_CONFIG,
      "invalid characters found in network name",
      name,
    );
  }
  return value;
}

/** The config's `cniVersion` (missing or empty = 0.1.0); not a string → code 6. */
function decodeVersion(config: Record<string, unknown>): string {
  const v = goFields(config, ["cniVersion"]).get("cniVersion") ?? "";
  if (typeof v !== "string") {
    throw new CniError(
      CniCode.DECODING_FAILURE,
      `decoding version from network config: ${goTypeError(v, "cniVersion")}`,
    );
  }
  return v === "" ? DEFAULT_VERSION : v;
}

function requireAtLeast(version: string, min: string, cmd: string): void {
  let ok: boolean;
  try {
    ok = versionAtLeast(version, min);
  } catch (err) {
    throw new CniError(CniCode.DECODING_FAILURE, (err as Error).message);
  }
  if (!ok) {
    throw new CniError(CniCode.INCOMPATIBLE_VERSION, `config version does not allow ${cmd}`);
  }
}

function requireSupported(version: string): void {
  if (isSupported(version)) return;
  throw new CniError(
    CniCode.INCOMPATIBLE_VERSION,
    "incompatible CNI versions",
    `config is "${version}", plugin supports ${supportedQuoted()}`,
  );
}

type Cmd = "ADD" | "DEL" | "CHECK" | "GC" | "STATUS";

const MIN_VERSION: Partial<Record<Cmd, string>> = { CHECK: "0.4.0", GC: "1.1.0", STATUS: "1.1.0" };

function checkOwnNetns(io: CniIO, netns: string): void {
  const override = (io.env.CNI_NETNS_OVERRIDE ?? "").toLowerCase();
  if (override === "1" || override === "true" || netns === "" || !io.isOwnNetns?.(netns)) return;
  throw new CniError(
    CniCode.INVALID_NETNS,
    "plugin's netns and netns from CNI_NETNS should not be the same",
  );
}

async function dispatch(plugin: CniPlugin, io: CniIO, cmd: string): Promise<string | null> {
  const stdin = await io.readStdin().catch((err) => {
    throw new CniError(CniCode.IO_FAILURE, `error reading from stdin: ${(err as Error).message}`);
  });
  const config = parseConfig(stdin);
  if (!["ADD", "DEL", "CHECK", "GC", "STATUS"].includes(cmd)) {
    throw new CniError(CniCode.INVALID_ENV, `unknown CNI_COMMAND: ${cmd}`);
  }
  const cniVersion = decodeVersion(config);
  const min = MIN_VERSION[cmd as Cmd];
  if (min) requireAtLeast(cniVersion, min, cmd);
  requireSupported(cniVersion);
  const e = io.env;
  const args: CmdArgs = {
    command: cmd,
    containerID: e.CNI_CONTAINERID ?? "",
    netns: e.CNI_NETNS ?? "",
    ifName: e.CNI_IFNAME ?? "",
    args: e.CNI_ARGS ?? "",
    path: e.CNI_PATH ?? "",
    stdin,
    config,
    cniVersion,
    env: e,
  };
  if (cmd === "ADD" || cmd === "DEL") checkOwnNetns(io, args.netns);
  switch (cmd as Cmd) {
    case "ADD": {
      const { result, version } = await plugin.add(args);
      return formatResult(result, version);
    }
    case "DEL":
      await plugin.del(args);
      return null;
    case "CHECK":
      await plugin.check(args);
      return null;
    case "GC":
      await plugin.gc?.(args);
      return null;
    case "STATUS":
      await plugin.status?.(args);
      return null;
  }
}

/** Runs one CNI call; returns the exit status (0 or 1). Never throws. */
export async function runCni(plugin: CniPlugin, io: CniIO): Promise<number> {
  const cmd = io.env.CNI_COMMAND ?? "";
  try {
    const envErr = checkEnv(io.env, cmd);
    if (envErr && cmd === "") {
      await io.writeStderr(
        `${plugin.about}\nCNI protocol versions supported: ${SUPPORTED_VERSIONS.join(", ")}\n`,
      );
      return 0;
    }
    if (envErr) throw envErr;
    if (cmd === "VERSION") {
      const info = { cniVersion: LIBRARY_VERSION, supportedVersions: [...SUPPORTED_VERSIONS] };
      await io.writeStdout(goJSON(info) + "\n");
      return 0;
    }
    const out = await dispatch(plugin, io, cmd);
    if (out !== null) await io.writeStdout(out);
    return 0;
  } catch (err) {
    const e = toCniError(err);
    try {
      await io.writeStdout(goJSON(errorObject(e), { indent: "    " }));
    } catch { /* stdout gone: the exit status still tells */ }
    return 1;
  }
}
