/**
 * `deno task compile`: builds `dist/flanneld`, one file that is the agent, the operator tools
 * and — installed or linked as `flannel` — the CNI plugin.
 *
 * First it tries `deno compile` (which honours `DENORT_BIN`) and keeps the result only if the
 * binary really runs our program (`flanneld version`). Where the `denort` runtime cannot be
 * fetched (offline builders; ../shared/notes/deno.md §2), it builds a self-extracting launcher
 * instead: a `#!/bin/sh` stub followed by a tar.gz holding the deno binary, the sources,
 * deno.json, deno.lock and node_modules. On first run the stub unpacks it into
 * `$FLANNEL_LAUNCHER_DIR/<payload hash>` (default `/var/cache/flanneld` for root, else
 * `$XDG_CACHE_HOME/flanneld` or `~/.cache/flanneld`) through a temp dir and one `mv`, so
 * concurrent first runs (several CNI calls at once) are safe; later runs exec
 * `deno run -A --cached-only` at once, so nothing ever asks a registry. In CNI mode (called as
 * `flannel`, or with `CNI_COMMAND` set: main.ts's own rule) the stub runs the CNI face
 * bundled into one file (`app/cni.js`, as install-cni bundles it) instead of main.ts, whose
 * whole module graph Deno would load first (≈ 7 ms per call, BENCHMARKS.md `## CNI`).
 *
 * Usage: `deno task compile [--output PATH] [--launcher]` (`--launcher` skips `deno compile`).
 */
import { parseArgs } from "node:util";
import { BUNDLE_RUN_FLAGS, bundleEntry, CNI_ENTRY } from "../mod/cni/install.ts";
import { AGENT_V8_FLAGS } from "../mod/agent/v8_flags.ts";
import { denoErrorSummary } from "./deno_error.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
/** What the program needs at run time, relative to the repository root. */
const APP_ENTRIES = [
  "main.ts",
  "main_agent.ts",
  "deno.json",
  "deno.lock",
  "node_modules",
  "mod",
  "backends",
  "store",
];
/** Reproducible archives: same inputs, same bytes, same hash, same cache directory. */
const TAR_FLAGS = ["--sort=name", "--mtime=@0", "--owner=0", "--group=0", "--numeric-owner"];

/** Where the bundled CNI face goes in the payload (under `app/`). */
const CNI_BUNDLE = "cni.js";
/** The CNI entry run from source when no bundle could be made (under `app/`). */
const CNI_SOURCE = "mod/cni/entry.ts";

/**
 * The launcher stub. `@HASH@` names the cache directory, `@SKIP@` is the first payload line,
 * `@CNI@` the CNI face to run (under `app/`) and `@CNIFLAGS@` its `deno run` flags;
 * `@V8FLAGS@` is the agent's default `DENO_V8_FLAGS`. The stub
 * never reads stdin (the CNI config arrives there) and execs deno with our argv.
 */
const STUB = `#!/bin/sh
# flanneld self-extracting launcher, built by \`deno task compile\` (scripts/compile.ts).
# Unpacks the appended tar.gz once into $FLANNEL_LAUNCHER_DIR/<hash>, then runs it offline.
set -eu
hash=@HASH@
# Root's cache once it exists is found without forking \`id\` (≈ 1 ms on every CNI call).
if [ -n "\${FLANNEL_LAUNCHER_DIR:-}" ]; then base=$FLANNEL_LAUNCHER_DIR
elif [ -O /var/cache/flanneld ] || [ "$(id -u)" = 0 ]; then base=/var/cache/flanneld
else base=\${XDG_CACHE_HOME:-\${HOME:-/tmp}/.cache}/flanneld
fi
dir=$base/$hash
if [ ! -f "$dir/.complete" ]; then
  mkdir -p "$base"
  if [ ! -O "$base" ]; then echo "flanneld: \\"$base\\" is not owned by us" >&2; exit 1; fi
  tmp=$(mktemp -d "$base/.extract-$hash.XXXXXX")
  if ! tail -n +@SKIP@ "$0" | tar -xzf - -C "$tmp"; then
    rm -rf "$tmp"; echo "flanneld: cannot unpack into \\"$base\\"" >&2; exit 1
  fi
  : >"$tmp/.complete"
  mv -T "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp" # lost the race: another run unpacked it
  [ -f "$dir/.complete" ] || { echo "flanneld: cannot unpack into \\"$dir\\"" >&2; exit 1; }
fi
export FLANNEL_ARGV0="$0" DENO_DIR="$dir/deno_dir" DENO_NO_UPDATE_CHECK=1
name=\${0##*/}; name=\${name%.ts}; name=\${name%.js}
if [ -n "\${CNI_COMMAND+set}" ] || [ "$name" = flannel ]; then
  exec "$dir/deno" run @CNIFLAGS@ "$dir/app/@CNI@" "$@"
fi
# The agent's V8 flags (mod/agent/v8_flags.ts); an operator's own DENO_V8_FLAGS wins, and
# an empty one means V8's defaults (deno itself refuses an empty value).
export DENO_V8_FLAGS="\${DENO_V8_FLAGS-@V8FLAGS@}"
[ -n "$DENO_V8_FLAGS" ] || unset DENO_V8_FLAGS
exec "$dir/deno" run -A --cached-only --config "$dir/app/deno.json" "$dir/app/main.ts" "$@"
exit 1
`;

/**
 * The stub for a payload with sha256 `hash` (hex): the payload starts right after it. `cni`
 * is the CNI face inside `app/`: the bundle (default) or the source entry.
 */
export function renderStub(hash: string, cni: string = CNI_BUNDLE): string {
  if (!/^[0-9a-f]{16,64}$/.test(hash)) throw new Error(`Invalid payload hash "${hash}"`);
  if (cni !== CNI_BUNDLE && cni !== CNI_SOURCE) throw new Error(`Invalid CNI entry "${cni}"`);
  const skip = STUB.split("\n").length; // the stub ends with "\n": payload is the next line
  return STUB.replace("@HASH@", hash.slice(0, 32)).replace("@SKIP@", String(skip))
    .replace("@CNI@", cni).replace("@CNIFLAGS@", BUNDLE_RUN_FLAGS.join(" "))
    .replace("@V8FLAGS@", AGENT_V8_FLAGS);
}

async function run(cmd: string, args: string[], opts: { cwd?: string; signal?: AbortSignal } = {}) {
  const out = await new Deno.Command(cmd, {
    args,
    cwd: opts.cwd ?? ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    ...(opts.signal ? { signal: opts.signal } : {}),
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { ok: out.success, stdout: text(out.stdout), stderr: text(out.stderr) };
}

async function must(cmd: string, args: string[], opts: { cwd?: string } = {}): Promise<string> {
  const r = await run(cmd, args, opts);
  if (!r.ok) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr.trim()}`);
  return r.stdout;
}

/**
 * `deno compile` into a fresh name (deno refuses to overwrite a file it did not build, such as
 * an earlier launcher), renamed to `output` only if it really runs our `version` tool.
 */
async function tryDenoCompile(output: string, log: (m: string) => void): Promise<boolean> {
  const tmp = `${output}.compile-${Deno.pid}`;
  const built = await run(Deno.execPath(), ["compile", "-A", "--output", tmp, "main.ts"], {
    signal: AbortSignal.timeout(300_000),
  });
  const smoke = built.ok
    ? await run(tmp, ["version"]).catch(() => ({ ok: false, stdout: "", stderr: "" }))
    : undefined;
  if (smoke?.ok && smoke.stdout.startsWith("flanneld ")) {
    await Deno.rename(tmp, output);
    return true;
  }
  await Deno.remove(tmp).catch(() => {});
  if (!built.ok) {
    const hint = Deno.env.get("DENORT_BIN") ? "" : " (set DENORT_BIN to a local denort)";
    log(`deno compile failed: ${denoErrorSummary(built.stderr)}${hint}`);
  } else {
    log("deno compile produced a binary that does not run flanneld (is DENORT_BIN the full CLI?)");
  }
  log("building the self-extracting launcher instead");
  return false;
}

/**
 * Adds the bundled CNI face to the tar at `tarPath` as `app/cni.js`; returns which CNI entry
 * the stub runs (the source entry when `deno bundle` is not possible here).
 */
async function addCniBundle(work: string, tarPath: string, log: (m: string) => void) {
  const bundle = await bundleEntry(Deno.execPath(), CNI_ENTRY);
  if (bundle === null) {
    log(`cannot bundle the CNI face; CNI calls will run ${CNI_SOURCE} from source`);
    return CNI_SOURCE;
  }
  await Deno.writeTextFile(`${work}/${CNI_BUNDLE}`, bundle);
  await must("tar", [
    "-rf",
    tarPath,
    ...TAR_FLAGS,
    "-C",
    work,
    `--transform=s,^,app/,S`,
    CNI_BUNDLE,
  ]);
  return CNI_BUNDLE;
}

/** Writes the tar.gz payload into `work`; returns its path and the CNI entry of the stub. */
async function buildPayload(
  work: string,
  log: (m: string) => void,
): Promise<{ payload: string; cni: string }> {
  const tarPath = `${work}/payload.tar`;
  const entries = [];
  for (const e of APP_ENTRIES) {
    if (await exists(`${ROOT}/${e}`)) entries.push(e);
  }
  // `S`: leave symlink targets alone (node_modules links are relative to their folder).
  await must("tar", [
    "-cf",
    tarPath,
    ...TAR_FLAGS,
    "--exclude=*_test.ts",
    "--transform=s,^,app/,S",
    ...entries,
  ]);
  const deno = await Deno.realPath(Deno.execPath());
  const slash = deno.lastIndexOf("/");
  await must("tar", [
    "-rf",
    tarPath,
    ...TAR_FLAGS,
    "--transform=s,^.*$,deno,S",
    "-C",
    deno.slice(0, slash),
    deno.slice(slash + 1),
  ]);
  const cni = await addCniBundle(work, tarPath, log);
  await must("gzip", ["-n", "-6", tarPath]);
  return { payload: `${tarPath}.gz`, cni };
}

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}

async function sha256Hex(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Builds the launcher at `output` (written to a temp name, then renamed). */
export async function buildLauncher(
  output: string,
  log: (m: string) => void = () => {},
): Promise<{ bytes: number; hash: string }> {
  const work = await Deno.makeTempDir({ prefix: "flanneld-compile-" });
  try {
    const { payload, cni } = await buildPayload(work, log);
    const hash = await sha256Hex(payload);
    const tmp = `${output}.tmp-${Deno.pid}`;
    const file = await Deno.open(tmp, { write: true, create: true, truncate: true, mode: 0o755 });
    try {
      await file.write(new TextEncoder().encode(renderStub(hash, cni)));
      await (await Deno.open(payload)).readable.pipeTo(file.writable, { preventClose: true });
    } finally {
      file.close();
    }
    await Deno.chmod(tmp, 0o755);
    await Deno.rename(tmp, output);
    return { bytes: (await Deno.stat(output)).size, hash };
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { output: { type: "string" }, launcher: { type: "boolean" } },
  });
  const output = values.output ?? `${ROOT}/dist/flanneld`;
  const log = (m: string) => console.error(`compile: ${m}`);
  await Deno.mkdir(output.slice(0, output.lastIndexOf("/")) || ".", { recursive: true });
  await must(Deno.execPath(), ["install", "--quiet"]); // node_modules as the lockfile says
  if (!values.launcher && await tryDenoCompile(output, log)) {
    log(`wrote ${output} (deno compile)`);
    return 0;
  }
  const { bytes, hash } = await buildLauncher(output, log);
  log(
    `wrote ${output} (self-extracting launcher, ${(bytes / 1e6).toFixed(1)} MB, ${
      hash.slice(0, 12)
    })`,
  );
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (err) {
    console.error(`compile: ${err instanceof Error ? err.message : err}`);
    Deno.exit(1);
  }
}
