/**
 * The on-disk layout of the local lease store and its crash- and race-safe primitives.
 *
 * ```
 * <dir>/subnets/<subnet key>   the lease value: upstream's JSON bytes, nothing else
 * <dir>/expiry/<subnet key>    its expiration (ISO 8601 text); absent = no TTL (reservation)
 * <dir>/revision               a counter bumped by every change made through the store
 * <dir>/lock                   flock(2): exclusive for changes, shared for reads
 * <dir>/tmp/                   files are written here, then renamed or linked into place
 * ```
 *
 * Design notes: several agents (one per network namespace) share one directory, so every
 * change holds an exclusive flock and every read a shared one; a fresh descriptor per lock
 * makes concurrent calls inside one process exclude each other too (flock locks belong to the
 * open file description). A new lease appears with `link(2)`, which fails if the name exists
 * even for writers that skip the lock (hand edits). Order makes crashes harmless: the expiry is
 * written before the value (a crash leaves an orphan expiry, swept later, never a value
 * without TTL that would live forever) and removed after it. Reads are synchronous: a scan of
 * 5,000 leases takes tens of milliseconds, less than through the thread pool. So every file is
 * read with mod/regular_file.ts, which never blocks: a FIFO, a directory or a socket placed
 * under `subnets/` is an entry with a `skip` reason (reported once, never read, never
 * deleted), a non-regular `expiry/<key>` makes its entry skipped, and an orphan one is left
 * alone — nothing a hand can put in the directory freezes or stops the agents sharing it.
 */
import { NotRegularFileError, readRegularFileSync } from "../mod/regular_file.ts";

/** One stored entry, raw. */
export interface RawEntry {
  value: string;
  /** Expiration in ms since the epoch; null without TTL; NaN when the expiry file is garbage. */
  expiresAt: number | null;
  /** Why the entry cannot be used (`it is a FIFO, not a regular file`); absent for files. */
  skip?: string;
}

const ENOENT = (err: unknown) => err instanceof Deno.errors.NotFound;

/** The text at `path`; null when absent; the error when it is not a regular file. */
function readOrSkip(path: string): string | null | NotRegularFileError {
  try {
    return readRegularFileSync(path);
  } catch (err) {
    if (ENOENT(err)) return null;
    if (err instanceof NotRegularFileError) return err;
    throw err;
  }
}

function lstatOrNull(path: string): Deno.FileInfo | null {
  try {
    return Deno.lstatSync(path);
  } catch (err) {
    if (ENOENT(err)) return null;
    throw err;
  }
}

/** The directory of a local store. */
export class LocalDir {
  readonly dir: string;
  readonly subnets: string;
  readonly expiry: string;
  readonly #tmp: string;

  constructor(dir: string) {
    this.dir = dir.replace(/\/+$/, "") || "/";
    this.subnets = `${this.dir}/subnets`;
    this.expiry = `${this.dir}/expiry`;
    this.#tmp = `${this.dir}/tmp`;
  }

  /** Creates the folders (0755) if needed. */
  async init(): Promise<void> {
    for (const d of [this.subnets, this.expiry, this.#tmp]) {
      await Deno.mkdir(d, { recursive: true, mode: 0o755 });
    }
  }

  /**
   * Runs `fn` under the directory lock (exclusive or shared). A directory that vanished (wiped)
   * is made again and `fn` run once more: an empty store, whose loss the watch reports.
   */
  async locked<T>(exclusive: boolean, fn: () => T | Promise<T>): Promise<T> {
    for (let again = false;; again = true) {
      let f: Deno.FsFile | null = null;
      try {
        f = await Deno.open(`${this.dir}/lock`, { read: true, write: true, create: true });
        await f.lock(exclusive);
        return await fn();
      } catch (err) {
        if (again || !ENOENT(err)) throw err;
      } finally {
        f?.close(); // releases the lock
      }
      await this.init();
    }
  }

  /** The revision counter (0 before the first change). */
  revision(): number {
    const text = readOrSkip(`${this.dir}/revision`);
    return typeof text === "string" ? Number(text.trim()) || 0 : 0;
  }

  /** Bumps the revision; call under the exclusive lock. */
  bump(): number {
    const next = this.revision() + 1;
    this.#replace(`${this.dir}/revision`, `${next}\n`);
    return next;
  }

  #tmpName(): string {
    return `${this.#tmp}/${Deno.pid}.${crypto.randomUUID()}`;
  }

  /** Writes `path` atomically (temp file + rename), mode 0644. */
  #replace(path: string, text: string): void {
    const tmp = this.#tmpName();
    Deno.writeTextFileSync(tmp, text, { mode: 0o644 });
    Deno.renameSync(tmp, path);
  }

  /** Reads one entry; null when its value file is absent; never blocks (FIFOs are skipped). */
  read(name: string): RawEntry | null {
    const value = readOrSkip(`${this.subnets}/${name}`);
    if (value === null) return null;
    if (value instanceof NotRegularFileError) {
      return { value: "", expiresAt: null, skip: `it is ${value.what}, not a regular file` };
    }
    const expiry = readOrSkip(`${this.expiry}/${name}`);
    if (expiry instanceof NotRegularFileError) {
      return {
        value,
        expiresAt: NaN,
        skip: `its expiry file is ${expiry.what}, not a regular file`,
      };
    }
    return { value, expiresAt: expiry === null ? null : Date.parse(expiry.trim()) };
  }

  /** Names of every entry (dot files skipped; what they are is read's business). */
  names(): string[] {
    const out: string[] = [];
    for (const e of Deno.readDirSync(this.subnets)) if (!e.name.startsWith(".")) out.push(e.name);
    return out;
  }

  /** Reads `names` (every entry when null) and the revision, under the shared lock. */
  scan(
    names: readonly string[] | null,
  ): Promise<{ revision: number; entries: Map<string, RawEntry> }> {
    return this.locked(false, () => {
      const entries = new Map<string, RawEntry>();
      for (const name of names ?? this.names()) {
        const e = this.read(name);
        if (e !== null) entries.set(name, e);
      }
      return { revision: this.revision(), entries };
    });
  }

  /** Names that have an expiry file (regular files only: nothing else is ours to sweep). */
  expiryNames(): string[] {
    return [...Deno.readDirSync(this.expiry)].filter((e) => e.isFile).map((e) => e.name);
  }

  #writeExpiry(name: string, expiresAt: number | null): void {
    if (expiresAt === null) this.#remove(`${this.expiry}/${name}`);
    else this.#replace(`${this.expiry}/${name}`, `${new Date(expiresAt).toISOString()}\n`);
  }

  /**
   * Creates the entry only if the name is free (`link(2)`); false when taken. Call under the
   * exclusive lock, after removing an expired entry of that name.
   */
  create(name: string, e: RawEntry): boolean {
    if (this.read(name) !== null) return false;
    // Something that is not a file sits at the expiry path: the name cannot be used.
    if (readOrSkip(`${this.expiry}/${name}`) instanceof NotRegularFileError) return false;
    this.#writeExpiry(name, e.expiresAt);
    const tmp = this.#tmpName();
    Deno.writeTextFileSync(tmp, e.value, { mode: 0o644 });
    try {
      Deno.linkSync(tmp, `${this.subnets}/${name}`);
      return true;
    } catch (err) {
      if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
      return false; // a writer without the lock got there first
    } finally {
      Deno.removeSync(tmp);
    }
  }

  /** Writes (replaces) the entry; call under the exclusive lock. */
  put(name: string, e: RawEntry): void {
    this.#writeExpiry(name, e.expiresAt);
    this.#replace(`${this.subnets}/${name}`, e.value);
  }

  /** Removes the entry (value first, then expiry); call under the exclusive lock. */
  remove(name: string): boolean {
    const had = this.#remove(`${this.subnets}/${name}`);
    this.#remove(`${this.expiry}/${name}`);
    return had;
  }

  /** Removes an expiry file whose value is gone (a crash between the two writes). */
  removeOrphanExpiry(name: string): void {
    const path = `${this.expiry}/${name}`;
    if (this.read(name) === null && lstatOrNull(path)?.isFile) this.#remove(path);
  }

  #remove(path: string): boolean {
    try {
      Deno.removeSync(path);
      return true;
    } catch (err) {
      if (ENOENT(err)) return false;
      throw err;
    }
  }
}
