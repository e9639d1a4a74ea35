/**
 * The backend registry: one explicit map, no self-registration. Adding a backend is one file
 * and one line here.
 *
 * @example
 * ```ts
 * const factory = lookupBackend("VXLAN"); // lower-cased, as upstream
 * const backend = factory.create(factory.parseConfig({ Type: "vxlan", VNI: 1 }), deps);
 * ```
 */
import { FlannelError } from "../mod/errors.ts";
import type { BackendFactory } from "./contract.ts";
import { hostGw } from "./host_gw.ts";
import { vxlan } from "./vxlan.ts";

/** Every backend by its lower-case type name. */
export const BACKENDS: Readonly<Record<string, BackendFactory>> = {
  "vxlan": vxlan as BackendFactory,
  "host-gw": hostGw as BackendFactory,
};

/** The configured backend type is not one we have (exit 1, upstream's message). */
export class UnknownBackendError extends FlannelError {
  override name = "UnknownBackendError";
  constructor(type: string) {
    super("EBACKEND", `unknown backend type: ${type}`);
  }
}

/** The factory for `type` (case-insensitive); throws {@linkcode UnknownBackendError}. */
export function lookupBackend(type: string): BackendFactory {
  const key = type.toLowerCase();
  const f = Object.hasOwn(BACKENDS, key) ? BACKENDS[key] : undefined;
  // Upstream's message names the lower-cased type (`GRE` → `unknown backend type: gre`).
  if (f === undefined) throw new UnknownBackendError(key);
  return f;
}
