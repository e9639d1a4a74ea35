/**
 * `install-cni`: puts this program in place as the `flannel` CNI plugin and writes the
 * network config, replacing the DaemonSet's two init containers (spec/cni.md §4.2):
 * `cp -f /flannel /opt/cni/bin/flannel` and `install-conf <src> /etc/cni/net.d/10-flannel.conflist`.
 *
 * Usage:
 *   install-cni [--bin-dir DIR] [--conf-src FILE] [--conf-dest FILE] [--skip-bin] [--skip-conf]
 *   install-cni SRC DEST        (exactly upstream's `install-conf SRC DEST`)
 *
 * Design notes: every file is written atomically like upstream's install-conf — a temp file
 * in the target directory, fsync, chmod, rename over the target — so a runtime never reads a
 * half-written conflist nor execs a half-copied plugin ("text file busy" cannot happen
 * either: the old inode stays until its last user exits). "This executable" is, in order:
 * the self-extracting launcher that started us (`FLANNEL_ARGV0`), a compiled binary
 * (`Deno.execPath()`), or — when running from source under `deno run` — the CNI face
 * bundled into one file: `deno bundle` of mod/cni/entry.ts behind a two-line header that is
 * both a shell script and a JavaScript comment, so the file execs this deno on itself
 * (`--no-config --cached-only --ext=js`). One module instead of ~60 saves Deno's per-module
 * graph work on every CNI call, and minified it halves what V8 parses (BENCHMARKS.md). If bundling is not possible
 * (no esbuild in the Deno cache and no registry), a plain launcher of entry.ts is written.
 */
import { runCommand } from "../process/run.ts";

/** The stock conflist of kube-flannel.yml (ConfigMap `kube-flannel-cfg`, `cni-conf.json`). */
export const STOCK_CONFLIST = JSON.stringify(
  {
    name: "cbr0",
    cniVersion: "0.3.1",
    plugins: [
      { type: "flannel", delegate: { hairpinMode: true, isDefaultGateway: true } },
      { type: "portmap", capabilities: { portMappings: true } },
    ],
  },
  null,
  2,
) + "\n";

export const DEFAULT_BIN_DIR = "/opt/cni/bin";
export const DEFAULT_CONF_DEST = "/etc/cni/net.d/10-flannel.conflist";

/** Where this program came from. */
export interface Origin {
  env: Readonly<Record<string, string | undefined>>;
  execPath: string;
  standalone: boolean;
}

/** The CNI-only entry module of this source tree. */
export const CNI_ENTRY: string = decodeURIComponent(
  new URL("./entry.ts", import.meta.url).pathname,
);

/** What to install as the plugin: a file to copy, or the CNI face of a source tree. */
export type PluginSource = { file: string } | { entry: string };

/** Picks what "this executable" is (see the design notes). */
export function pluginSource(o: Origin): PluginSource {
  const launcher = o.env.FLANNEL_ARGV0;
  if (launcher) return { file: launcher };
  if (o.standalone) return { file: o.execPath };
  return { entry: CNI_ENTRY };
}

const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * V8 compiles every function up front, so the code cache Deno stores after the first call
 * holds all of the plugin's bytecode and later calls compile nothing. Lazily compiled (the
 * default), each cold call compiled the functions it ran: ≈ 10 ms per ADD (BENCHMARKS.md).
 */
const EAGER = "--v8-flags=--no-lazy";

/**
 * `deno run` flags for the bundled CNI face (here and in the launcher of scripts/compile.ts):
 * one self-contained file, so no config, lockfile or registry is consulted.
 */
export const BUNDLE_RUN_FLAGS: readonly string[] = [
  "-A",
  "--no-config",
  "--no-lock",
  "--cached-only",
  EAGER,
];

/** Deno's daily release check stays off: a CNI call never reaches out on its own. */
const NO_UPDATE_CHECK = "DENO_NO_UPDATE_CHECK=1";

/** A shell launcher running the CNI entry from source (the fallback without a bundle). */
export function sourceLauncher(deno: string, entry: string): string {
  return `#!/bin/sh\n# flannel CNI plugin: runs ${entry} (installed by install-cni).\n` +
    `${NO_UPDATE_CHECK} exec ${q(deno)} run -A --cached-only --no-prompt ${EAGER} ${
      q(entry)
    } "$@"\n`;
}

/**
 * The bundled CNI face as one executable file: line 2 is `":" //; exec deno … "$0"` — the
 * shell runs it, JavaScript sees a string and a comment (and line 1 as a hashbang).
 */
export function bundledPlugin(deno: string, bundle: string): string {
  return `#!/bin/sh\n":" //; ${NO_UPDATE_CHECK} exec ${q(deno)} run ${
    BUNDLE_RUN_FLAGS.join(" ")
  } --ext=js "$0" "$@"\n` +
    `// flannel CNI plugin, bundled by install-cni (mod/cni/entry.ts).\n${bundle}`;
}

/** Bundles `entry` with `deno bundle`; null when that is not possible here. */
export async function bundleEntry(deno: string, entry: string): Promise<string | null> {
  const out = await Deno.makeTempFile({ prefix: "flannel-cni-", suffix: ".js" });
  try {
    const r = await runCommand([
      deno,
      "bundle",
      "--quiet",
      "--minify",
      "--platform",
      "deno",
      "-o",
      out,
      entry,
    ]);
    return r.code === 0 ? await Deno.readTextFile(out) : null;
  } finally {
    await Deno.remove(out).catch(() => {});
  }
}

/** The bytes to install as `flannel` for `origin`. */
async function pluginBytes(origin: Origin, warn: (t: string) => void): Promise<Uint8Array> {
  const s = pluginSource(origin);
  if ("file" in s) return await Deno.readFile(s.file);
  const bundle = await bundleEntry(origin.execPath, s.entry);
  if (bundle === null) {
    warn(`Cannot bundle "${s.entry}"; installing a launcher of the source tree instead\n`);
  }
  const text = bundle === null
    ? sourceLauncher(origin.execPath, s.entry)
    : bundledPlugin(origin.execPath, bundle);
  return new TextEncoder().encode(text);
}

/** Writes `bytes` to `dest` atomically with `mode` (temp file, fsync, chmod, rename). */
export async function writeAtomic(dest: string, bytes: Uint8Array, mode: number): Promise<void> {
  const slash = dest.lastIndexOf("/");
  const dir = slash < 0 ? "." : dest.slice(0, slash) || "/";
  const base = dest.slice(slash + 1);
  await Deno.mkdir(dir, { recursive: true, mode: 0o755 });
  const tmp = `${dir}/.${base}.tmp${crypto.randomUUID().slice(0, 8)}`;
  try {
    {
      using f = await Deno.open(tmp, { write: true, createNew: true, mode: 0o600 });
      for (let off = 0; off < bytes.length;) off += await f.write(bytes.subarray(off));
      await f.sync();
    }
    await Deno.chmod(tmp, mode);
    await Deno.rename(tmp, dest);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
}

/** Copies `src` to `dest` atomically, keeping the source's permission bits. */
export async function copyAtomic(src: string, dest: string): Promise<void> {
  const [bytes, st] = await Promise.all([Deno.readFile(src), Deno.stat(src)]);
  await writeAtomic(dest, bytes, (st.mode ?? 0o644) & 0o7777);
}

interface Options {
  binDir: string;
  confSrc: string | null;
  confDest: string;
  skipBin: boolean;
  skipConf: boolean;
}

const USAGE =
  "Usage: install-cni [--bin-dir DIR] [--conf-src FILE] [--conf-dest FILE] [--skip-bin] [--skip-conf]\n" +
  "       install-cni SRC DEST\n";

function parse(args: readonly string[]): Options | { positional: [string, string] } | string {
  const o: Options = {
    binDir: DEFAULT_BIN_DIR,
    confSrc: null,
    confDest: DEFAULT_CONF_DEST,
    skipBin: false,
    skipConf: false,
  };
  const pos: string[] = [];
  const valued = {
    "--bin-dir": "binDir",
    "--conf-src": "confSrc",
    "--conf-dest": "confDest",
  } as const;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const [flag, inline] = a.startsWith("--") && a.includes("=")
      ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]
      : [a, undefined];
    if (flag === "--skip-bin") o.skipBin = true;
    else if (flag === "--skip-conf") o.skipConf = true;
    else if (flag in valued) {
      const v = inline ?? args[++i];
      if (v === undefined || v === "") return `Flag "${flag}" needs a value`;
      o[valued[flag as keyof typeof valued]] = v;
    } else if (flag === "-h" || flag === "--help") return "";
    else if (flag.startsWith("-")) return `Unknown flag "${flag}"`;
    else pos.push(a);
  }
  if (pos.length === 0) return o;
  if (pos.length === 2 && args.length === 2) return { positional: [pos[0]!, pos[1]!] };
  return "Give either flags or exactly two arguments SRC DEST";
}

/** Runs `install-cni`; returns the exit status. */
export async function installCni(
  args: readonly string[],
  origin: Origin,
  io: { stdout(t: string): void; stderr(t: string): void },
): Promise<number> {
  const p = parse(args);
  if (typeof p === "string") {
    if (p === "") {
      io.stdout(USAGE);
      return 0;
    }
    io.stderr(`${p}\n${USAGE}`);
    return 1;
  }
  if ("positional" in p) {
    const [src, dest] = p.positional;
    try {
      await copyAtomic(src, dest);
      return 0;
    } catch (err) {
      io.stderr(`error installing "${src}": ${(err as Error).message}\n`);
      return 1;
    }
  }
  return await install(p, origin, io);
}

async function install(
  o: Options,
  origin: Origin,
  io: { stdout(t: string): void; stderr(t: string): void },
): Promise<number> {
  const steps: [string, string, () => Promise<void>][] = [];
  const bin = `${o.binDir}/flannel`;
  if (!o.skipBin) {
    const s = pluginSource(origin);
    steps.push(["file" in s ? s.file : s.entry, bin, async () => {
      await writeAtomic(bin, await pluginBytes(origin, io.stderr), 0o755);
    }]);
  }
  if (!o.skipConf) {
    const src = o.confSrc;
    steps.push([
      src ?? o.confDest,
      o.confDest,
      () =>
        src
          ? copyAtomic(src, o.confDest)
          : writeAtomic(o.confDest, new TextEncoder().encode(STOCK_CONFLIST), 0o644),
    ]);
  }
  for (const [src, dest, run] of steps) {
    try {
      await run();
    } catch (err) {
      io.stderr(`error installing "${src}": ${(err as Error).message}\n`);
      return 1;
    }
    io.stdout(`Installed "${dest}"\n`);
  }
  return 0;
}
