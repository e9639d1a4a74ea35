/**
 * Per-attachment scratch state in `dataDir`: the delegate config rendered at ADD, read back
 * at DEL (spec/cni.md §2.5).
 *
 * Design notes: the reference keys the file by container id only (`<dataDir>/<id>`), so a
 * second interface of one container overwrites the first and leaks (§2.9 Q1). Here the
 * key is (id, ifname) while staying interchangeable with the reference:
 * - `eth0` (the interface every runtime uses for the pod network) keeps `<dataDir>/<id>`, so
 *   a node switched from the Go plugin to this one and back deletes every pod it has;
 * - any other interface uses `<dataDir>/<id>@<ifname>` — `@` never occurs in a container
 *   id, so the split is unambiguous;
 * - a DEL for another interface whose own file is missing falls back to `<dataDir>/<id>`
 *   (written by the Go plugin, which knows no interface), uses it and leaves it in place,
 *   since it may belong to `eth0`.
 * Files are written 0600 in a 0700 directory (truncate + write + close, like the reference's
 * `ioutil.WriteFile`, which does not fsync either: an fdatasync cost 3 ms per ADD). All calls
 * are synchronous: one short process, nothing to overlap.
 */
import { CONTAINER_ID_RE } from "../env.ts";
import { goPathError } from "../os_error.ts";

/** The interface whose state keeps the reference's file name. */
export const PRIMARY_IFNAME = "eth0";

/** Path of the state of (id, ifname). */
export function statePath(dataDir: string, id: string, ifname: string): string {
  return ifname === PRIMARY_IFNAME ? `${dataDir}/${id}` : `${dataDir}/${id}@${ifname}`;
}

/** The attachment a state file name stands for, or null for a foreign file. */
export function parseStateName(name: string): { containerID: string; ifname: string } | null {
  const at = name.indexOf("@");
  const id = at < 0 ? name : name.slice(0, at);
  const ifname = at < 0 ? PRIMARY_IFNAME : name.slice(at + 1);
  return CONTAINER_ID_RE.test(id) && ifname !== "" ? { containerID: id, ifname } : null;
}

/** Writes the state of (id, ifname) (mkdir -p 0700, file 0600). */
export function saveState(dataDir: string, id: string, ifname: string, bytes: Uint8Array): void {
  const path = statePath(dataDir, id, ifname);
  try {
    Deno.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    Deno.writeFileSync(path, bytes, { mode: 0o600 });
  } catch (err) {
    throw new Error(goPathError("open", path, err), { cause: err });
  }
}

/** Saved state: its bytes, where it lives, and whether DEL may remove it. */
export interface SavedState {
  path: string;
  bytes: Uint8Array;
  /** False for the reference's `<id>` file found by the fallback: it is left in place. */
  owned: boolean;
}

function readOrNull(path: string): Uint8Array | null {
  try {
    return Deno.readFileSync(path);
  } catch (err) {
    // Not a directory on the way (`dataDir` names a file): no state can exist there.
    if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) {
      return null;
    }
    const op = err instanceof Deno.errors.IsADirectory ? "read" : "open";
    throw new Error(goPathError(op, path, err), { cause: err });
  }
}

/** The state of (id, ifname), or null when there is none. */
export function readState(dataDir: string, id: string, ifname: string): SavedState | null {
  const path = statePath(dataDir, id, ifname);
  const bytes = readOrNull(path);
  if (bytes !== null) return { path, bytes, owned: true };
  if (ifname === PRIMARY_IFNAME) return null;
  const legacy = `${dataDir}/${id}`;
  const old = readOrNull(legacy);
  return old === null ? null : { path: legacy, bytes: old, owned: false };
}

/** Removes a state file; already gone is fine. */
export function removeState(path: string): void {
  try {
    Deno.removeSync(path);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
}

/** Every attachment with state in `dataDir` (missing dir = none). */
export function listStates(
  dataDir: string,
): { containerID: string; ifname: string; path: string }[] {
  const out: { containerID: string; ifname: string; path: string }[] = [];
  try {
    for (const e of Deno.readDirSync(dataDir)) {
      const a = e.isFile ? parseStateName(e.name) : null;
      if (a) out.push({ ...a, path: `${dataDir}/${e.name}` });
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return out;
}
