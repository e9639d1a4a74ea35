/**
 * CNI environment checks of the Go `skel` library (spec/cni.md §1.9 steps 1–2): variables are
 * read in a fixed order, the validators of the required ones that are set run first (the
 * first failure wins), then every required-but-empty variable is reported at once.
 */
import { CniCode, CniError } from "./errors.ts";

/** Container ids and network names (`utils.ValidateContainerID` / `ValidateNetworkName`). */
export const CONTAINER_ID_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$/;

const IFNAME_BAD = /[/:\s\u0085]/;

/** Which commands need each variable, in the library's reading order. */
const REQUIRED: Record<string, readonly string[]> = {
  CNI_COMMAND: ["*"],
  CNI_CONTAINERID: ["ADD", "DEL", "CHECK"],
  CNI_NETNS: ["ADD", "CHECK"],
  CNI_IFNAME: ["ADD", "DEL", "CHECK"],
  CNI_ARGS: [],
  CNI_PATH: ["ADD", "DEL", "CHECK", "GC", "STATUS"],
  CNI_NETNS_OVERRIDE: [],
};

/** Validates an interface name as the library does; `null` when fine. */
export function interfaceNameError(name: string): CniError | null {
  const bad = (msg: string, details = "") => new CniError(CniCode.INVALID_ENV, msg, details);
  if (new TextEncoder().encode(name).length > 15) {
    return bad("interface name is too long", "interface name should be less than 16 characters");
  }
  if (name === "." || name === "..") return bad("interface name is . or ..");
  if (IFNAME_BAD.test(name)) return bad("interface name contains / or : or whitespace characters");
  return null;
}

function validate(name: string, value: string): CniError | null {
  if (name === "CNI_CONTAINERID" && !CONTAINER_ID_RE.test(value)) {
    return new CniError(CniCode.INVALID_ENV, "invalid characters in containerID", value);
  }
  return name === "CNI_IFNAME" ? interfaceNameError(value) : null;
}

/** Steps 1–2 for command `cmd`: the first validation failure, else the missing list, else null. */
export function checkEnv(
  env: Readonly<Record<string, string | undefined>>,
  cmd: string,
): CniError | null {
  const missing: string[] = [];
  for (const [name, cmds] of Object.entries(REQUIRED)) {
    if (!cmds.includes("*") && !cmds.includes(cmd)) continue;
    const value = env[name] ?? "";
    if (value === "") missing.push(name);
    else {
      const err = validate(name, value);
      if (err) return err;
    }
  }
  if (missing.length === 0) return null;
  return new CniError(CniCode.INVALID_ENV, `required env variables [${missing.join(",")}] missing`);
}
