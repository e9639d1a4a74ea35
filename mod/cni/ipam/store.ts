/**
 * host-local's on-disk store, byte-compatible with the reference plugin so both can share
 * one directory at the same time.
 *
 * Layout of `<dataDir>/<network>/` (dir 0755): one file per allocated address named by its
 * text (`10.244.1.2`, `fc00::2`), holding `<id>\r\n<ifname>` (mode 0644, no newline; older
 * releases wrote only `<id>`); `last_reserved_ip.<set index>` holding the last address given
 * out; and an empty `lock` file (0750) that every writer holds with `flock(LOCK_EX)`.
 * Deno's `FsFile.lock()` is `flock(2)` (checked with strace), the same lock Go takes.
 */
import { type IPAddr, tryParseIP } from "../../ip/mod.ts";
import type { AllocatorStore } from "./allocator.ts";

const LAST_IP_PREFIX = "last_reserved_ip.";
const LINE_BREAK = "\r\n";

/** Default store root of host-local. */
export const DEFAULT_IPAM_DATA_DIR = "/var/lib/cni/networks";

/** One allocated address as found on disk. */
export interface StoredAllocation {
  ip: IPAddr;
  id: string;
  /** Empty for files written by old releases (id only). */
  ifname: string;
}

/** The store of one network. Methods other than `withLock` expect the lock to be held. */
export class DiskStore implements AllocatorStore {
  readonly dir: string;
  private constructor(dir: string) {
    this.dir = dir;
  }

  /** Opens (creating if needed) `<dataDir>/<network>`. */
  static async open(dataDir: string, network: string): Promise<DiskStore> {
    const dir = `${dataDir || DEFAULT_IPAM_DATA_DIR}/${network}`;
    await Deno.mkdir(dir, { recursive: true, mode: 0o755 });
    return new DiskStore(dir);
  }

  /** Runs `fn` holding the exclusive flock on `lock`. */
  async withLock<T>(fn: () => Promise<T>): Promise<T> {
    const opts = { read: true, write: true, create: true, mode: 0o750 };
    using f = await Deno.open(`${this.dir}/lock`, opts);
    await f.lock(true);
    try {
      return await fn();
    } finally {
      await f.unlock();
    }
  }

  async reserve(id: string, ifname: string, ip: IPAddr, rangeID: string): Promise<boolean> {
    const path = `${this.dir}/${ip}`;
    try {
      await Deno.writeTextFile(path, id.trim() + LINE_BREAK + ifname, {
        createNew: true,
        mode: 0o644,
      });
    } catch (err) {
      if (err instanceof Deno.errors.AlreadyExists) return false;
      await Deno.remove(path).catch(() => {});
      throw err;
    }
    await Deno.writeTextFile(`${this.dir}/${LAST_IP_PREFIX}${rangeID}`, ip.toString(), {
      mode: 0o644,
    });
    return true;
  }

  async lastReservedIP(rangeID: string): Promise<IPAddr | null> {
    try {
      return tryParseIP(await Deno.readTextFile(`${this.dir}/${LAST_IP_PREFIX}${rangeID}`));
    } catch {
      return null;
    }
  }

  /** Every address file with its owner (unreadable or foreign files skipped). */
  async list(): Promise<StoredAllocation[]> {
    const out: StoredAllocation[] = [];
    for await (const e of Deno.readDir(this.dir)) {
      const ip = e.isFile ? tryParseIP(e.name) : null;
      if (ip === null) continue;
      const text = await Deno.readTextFile(`${this.dir}/${e.name}`).catch(() => null);
      if (text === null) continue;
      const [id = "", ifname = ""] = text.trim().split(LINE_BREAK);
      out.push({ ip, id, ifname });
    }
    return out;
  }

  async getByID(id: string, ifname: string): Promise<IPAddr[]> {
    const key = id.trim();
    return (await this.list())
      .filter((a) => a.id === key && (a.ifname === ifname || a.ifname === ""))
      .map((a) => a.ip);
  }

  /** Removes the addresses of (id, ifname); if none, those of a bare `id` (old format). */
  async releaseByID(id: string, ifname: string): Promise<void> {
    const all = await this.list();
    const key = id.trim();
    let mine = all.filter((a) => a.id === key && a.ifname === ifname);
    if (mine.length === 0) mine = all.filter((a) => a.id === key && a.ifname === "");
    await this.release(mine.map((a) => a.ip));
  }

  /** Removes address files; missing ones are fine. */
  async release(ips: IPAddr[]): Promise<void> {
    for (const ip of ips) await Deno.remove(`${this.dir}/${ip}`).catch(() => {});
  }
}
