/**
 * A `PATH` for a child process that hides some commands and puts shell scripts in front of
 * others — how tests show what the demo and scripts/setup.sh do on a machine without a
 * package, or where `apt-get` fails, without touching the machine's own packages.
 *
 * @example
 * ```ts
 * const p = await shimPath({ hide: /^iptables/, shims: { "apt-get": "exit 100" } });
 * try {
 *   await new Deno.Command("sh", { args: ["scripts/setup.sh"], env: { PATH: p.path } }).output();
 * } finally {
 *   await p.remove();
 * }
 * ```
 *
 * Design notes: a PATH directory holding a hidden command is replaced by a copy made of
 * symlinks to all its other entries, so everything else resolves as before (merged /usr:
 * /sbin and /usr/sbin are both filtered).
 */

export interface ShimPathOptions {
  /** Command names to hide. */
  hide?: RegExp;
  /** Commands to put first on the PATH: name → body of a `#!/bin/sh` script. */
  shims?: Record<string, string>;
  /** The PATH to start from (default: this process's). */
  basePath?: string;
}

export interface ShimPath {
  path: string;
  remove(): Promise<void>;
}

async function filtered(dir: string, hide: RegExp, into: string): Promise<string | null> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) names.push(e.name);
  } catch {
    return null; // missing or unreadable: leave it out
  }
  if (!names.some((n) => hide.test(n))) return dir;
  await Deno.mkdir(into);
  for (const n of names) if (!hide.test(n)) await Deno.symlink(`${dir}/${n}`, `${into}/${n}`);
  return into;
}

/** Builds the PATH; call `remove()` in `finally`. */
export async function shimPath(o: ShimPathOptions): Promise<ShimPath> {
  const root = await Deno.makeTempDir({ prefix: "path-shim-" });
  try {
    const parts: string[] = [];
    if (o.shims) {
      await Deno.mkdir(`${root}/shims`);
      for (const [name, body] of Object.entries(o.shims)) {
        await Deno.writeTextFile(`${root}/shims/${name}`, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
      }
      parts.push(`${root}/shims`);
    }
    const base = (o.basePath ?? Deno.env.get("PATH") ?? "").split(":").filter((d) => d !== "");
    for (const [i, dir] of base.entries()) {
      const d = o.hide ? await filtered(dir, o.hide, `${root}/p${i}`) : dir;
      if (d !== null) parts.push(d);
    }
    return { path: parts.join(":"), remove: () => Deno.remove(root, { recursive: true }) };
  } catch (err) {
    await Deno.remove(root, { recursive: true }).catch(() => {});
    throw err;
  }
}
