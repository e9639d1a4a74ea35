/**
 * The checks a rendered delegate config must pass before ADD saves it: the decoding of the
 * reference `bridge` (for `type: bridge`) and of `host-local` (for `ipam.type: host-local`),
 * with their messages. A config failing here would fail inside the delegate anyway, only
 * later: after a state file was written and a veth made. Pure apart from the files
 * host-local itself reads (`rangeFromFile`).
 */
import { isPlainObject } from "../../config/json_fields.ts";
import { parseBridgeConf } from "../bridge/conf.ts";
import { loadIpamConfig } from "../ipam/conf.ts";

/** Why the delegates would refuse `conf` (with `CNI_ARGS` `envArgs`), or null. */
export function delegateConfigError(conf: Record<string, unknown>, envArgs: string): string | null {
  try {
    if (conf.type === "bridge") parseBridgeConf(conf, envArgs);
    if (isPlainObject(conf.ipam) && conf.ipam.type === "host-local") loadIpamConfig(conf, envArgs);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
