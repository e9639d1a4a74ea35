/**
 * subnet.env on disk: the atomic write and the read at start (the text rules are in
 * subnet_env.ts).
 *
 * Design notes: readers (the CNI plugin, mk-docker-opts, the next agent start) must never
 * see half a file, so the text goes to a temporary file in the same directory (same file
 * system, so rename(2) is atomic), is fsynced, gets mode 0644 with an explicit chmod (the
 * umask would otherwise decide), and is renamed over the old file; the directory is fsynced
 * after. Missing parent directories are created with 0755, again by explicit chmod.
 */
import { errorText } from "../errors.ts";
import type { IPNet } from "../ip/mod.ts";
import type { Logger } from "../log.ts";
import { previousSubnets, subnetEnvVars } from "./subnet_env.ts";

/** Mode of the written file and of created parent directories. */
export const SUBNET_ENV_FILE_MODE = 0o644;
export const SUBNET_ENV_DIR_MODE = 0o755;

function dirname(path: string): string {
  const slash = path.lastIndexOf("/");
  if (slash < 0) return ".";
  return slash === 0 ? "/" : path.slice(0, slash);
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** Creates `dir` and its missing ancestors, each with mode 0755 whatever the umask. */
async function ensureDir(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let d = dir; d !== "/" && d !== "."; d = dirname(d)) {
    try {
      await Deno.stat(d);
      break;
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
      missing.unshift(d);
    }
  }
  for (const d of missing) {
    try {
      await Deno.mkdir(d);
    } catch (err) {
      if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
      continue; // made by someone else meanwhile: not ours to chmod
    }
    await Deno.chmod(d, SUBNET_ENV_DIR_MODE);
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await Deno.open(dir, { read: true });
  try {
    await handle.sync();
  } finally {
    handle.close();
  }
}

/**
 * Writes `content` to `path` atomically (temp file in the same directory, fsync, chmod 0644,
 * rename), creating missing parent directories with 0755.
 */
export async function writeSubnetEnvFile(path: string, content: string): Promise<void> {
  const dir = dirname(path);
  await ensureDir(dir);
  const temp = await Deno.makeTempFile({ dir, prefix: `.${basename(path)}.`, suffix: ".tmp" });
  try {
    const file = await Deno.open(temp, { write: true, truncate: true });
    try {
      const bytes = new TextEncoder().encode(content);
      for (let off = 0; off < bytes.length;) off += await file.write(bytes.subarray(off));
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.chmod(temp, SUBNET_ENV_FILE_MODE);
    await Deno.rename(temp, path);
  } catch (err) {
    await Deno.remove(temp).catch(() => {});
    throw err;
  }
  await syncDir(dir);
}

/** The file's text, or `null` when it does not exist. */
export async function readSubnetEnvFile(path: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
}

/** The variables of the subnet file at `path`; none when missing or unreadable (logged). */
export async function loadSubnetEnv(path: string, log: Logger): Promise<Map<string, string>> {
  let text: string | null;
  try {
    text = await readSubnetEnvFile(path);
  } catch (err) {
    log.error(`Couldn't read subnet file at ${path}: ${errorText(err)}`);
    return new Map();
  }
  return subnetEnvVars(text, log, path);
}

/** The previous lease subnets recorded at `path` (upstream's read at an etcd-mode start). */
export async function readPreviousSubnets(
  path: string,
  log: Logger,
): Promise<{ subnet: IPNet | null; ipv6Subnet: IPNet | null }> {
  return previousSubnets(await loadSubnetEnv(path, log), log, path);
}
