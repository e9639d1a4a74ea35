/**
 * host-local's on-disk store, byte-compatible with the reference plugin so both can share
 * one directory at the same time.
 *
 * Layout of `<dataDir>/<network>/` (dir 0755): one file per allocated address named by its
 * text (`10.244.1.2`, `fc00::2`), holding `<id>\r\n<ifname>` (mode 0644, no newline; older
 * releases wrote only `<id>`); `last_reserved_ip.<set index>` holding the last address given
 * out; and an empty `lock` file (0750) that every writer holds with `flock(LOCK_EX)`.
 * Deno's `FsFile.lockSync()` is `flock(2)` (checked with strace), the same lock Go takes.
 *
 * Synchronous on purpose: a CNI call is one short process with nothing else to do, and sync
 * file calls skip the thread-pool hop and its cold start (measured: a first allocation took
 * 8.4 ms with async calls). Holding the lock never spans an `await`, so two stores in one
 * process cannot deadlock on their own flocks either.
 */
import { type IPAddr, tryParseIP } from "../../ip/mod.ts";
import { goPathError } from "../os_error.ts";
import type { AllocatorStore } from "./allocator.ts";

const storeDir = (dataDir: string, network: string) =>
  `${dataDir || DEFAULT_IPAM_DATA_DIR}/${network}`;

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
  static open(dataDir: string, network: string): DiskStore {
    const dir = storeDir(dataDir, network);
    try {
      Deno.mkdirSync(dir, { recursive: true, mode: 0o755 });
    } catch (err) {
      throw new Error(goPathError("mkdir", dir, err), { cause: err });
    }
    return new DiskStore(dir);
  }

  /**
   * The store when its directory exists, else null: nothing can be recorded where there is no
   * directory (also when a path component is a file), so a release has nothing to do there.
   */
  static existing(dataDir: string, network: string): DiskStore | null {
    const dir = storeDir(dataDir, network);
    try {
      if (Deno.statSync(dir).isDirectory) return new DiskStore(dir);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory)) {
        throw new Error(goPathError("stat", dir, err), { cause: err });
      }
    }
    return null;
  }

  /** Runs `fn` holding the exclusive flock on `lock` (waits for other holders). */
  withLock<T>(fn: () => T): T {
    const opts = { read: true, write: true, create: true, mode: 0o750 };
    using f = Deno.openSync(`${this.dir}/lock`, opts);
    f.lockSync(true);
    try {
      return fn();
    } finally {
      f.unlockSync();
    }
  }

  reserve(id: string, ifname: string, ip: IPAddr, rangeID: string): boolean {
    const path = `${this.dir}/${ip}`;
    try {
      Deno.writeTextFileSync(path, id.trim() + LINE_BREAK + ifname, {
        createNew: true,
        mode: 0o644,
      });
    } catch (err) {
      if (err instanceof Deno.errors.AlreadyExists) return false;
      try {
        Deno.removeSync(path);
      } catch { /* never created */ }
      throw err;
    }
    Deno.writeTextFileSync(`${this.dir}/${LAST_IP_PREFIX}${rangeID}`, ip.toString(), {
      mode: 0o644,
    });
    return true;
  }

  lastReservedIP(rangeID: string): IPAddr | null {
    try {
      return tryParseIP(Deno.readTextFileSync(`${this.dir}/${LAST_IP_PREFIX}${rangeID}`));
    } catch {
      return null;
    }
  }

  /** Every address file with its owner (unreadable or foreign files skipped). */
  list(): StoredAllocation[] {
    const out: StoredAllocation[] = [];
    for (const e of Deno.readDirSync(this.dir)) {
      const ip = e.isFile ? tryParseIP(e.name) : null;
      if (ip === null) continue;
      let text: string;
      try {
        text = Deno.readTextFileSync(`${this.dir}/${e.name}`);
      } catch {
        continue;
      }
      const [id = "", ifname = ""] = text.trim().split(LINE_BREAK);
      out.push({ ip, id, ifname });
    }
    return out;
  }

  getByID(id: string, ifname: string): IPAddr[] {
    const key = id.trim();
    return this.list()
      .filter((a) => a.id === key && (a.ifname === ifname || a.ifname === ""))
      .map((a) => a.ip);
  }

  /** Removes the addresses of (id, ifname); if none, those of a bare `id` (old format). */
  releaseByID(id: string, ifname: string): void {
    const all = this.list();
    const key = id.trim();
    let mine = all.filter((a) => a.id === key && a.ifname === ifname);
    if (mine.length === 0) mine = all.filter((a) => a.id === key && a.ifname === "");
    this.release(mine.map((a) => a.ip));
  }

  /** Removes address files; missing ones are fine. */
  release(ips: IPAddr[]): void {
    for (const ip of ips) {
      try {
        Deno.removeSync(`${this.dir}/${ip}`);
      } catch { /* already gone */ }
    }
  }
}
