/**
 * Upstream flannel's reference binaries — flanneld v0.22.0 and the flannel CNI plugin v1.1.2 —
 * for the interoperability tests and the switch benchmark. They live, xz-compressed with an
 * `unpack` script that checks their sha256, in `$FLANNEL_UPSTREAM_DIR` or
 * `<repo>/../shared/upstream` (CI's layout); {@linkcode findUpstream} unpacks them once into
 * a cache directory. Where they are absent (a user's machine) it returns the reason instead,
 * and the tests are ignored with that reason printed.
 *
 * @example
 * ```ts
 * const up = await findUpstream();
 * if (up.bins === null) console.warn(`upstream tests ignored: ${up.reason}`);
 * else host.startAgent(["--etcd-endpoints", etcd.unixEndpoint!], {}, up.bins.flanneld);
 * ```
 *
 * Design notes: the cache is `$FLANNEL_UPSTREAM_CACHE`, else `$XDG_CACHE_HOME/flannel-upstream`,
 * else `~/.cache/flannel-upstream`, else a temporary directory; `unpack` skips binaries already
 * there and checks every sha256 on each call. Absent binaries are a reason to skip; present
 * ones that do not unpack or check out throw, so CI fails loudly instead of skipping.
 * Tests must never judge upstream by its exit status: v0.22.0 may panic ("close of closed
 * channel") on a clean SIGTERM.
 */
import { REPO_ROOT } from "./agent_process.ts";
import { run } from "./netns.ts";

/** Paths of the unpacked executables. */
export interface UpstreamBins {
  /** flanneld v0.22.0 (`--version`: v0.22.0-vendored-deps). */
  flanneld: string;
  /** The flannel CNI plugin v1.1.2; install it as `flannel` ({@linkcode installUpstreamCni}). */
  cni: string;
}

/** The binaries, or why there are none. */
export type UpstreamLookup = { bins: UpstreamBins; reason: null } | {
  bins: null;
  reason: string;
};

const FLANNELD = "flanneld-v0.22.0";
const CNI = "flannel-cni-v1.1.2";

/** Where the compressed binaries and `unpack` are looked for. */
export function upstreamSourceDir(
  env: (k: string) => string | undefined = (k) => Deno.env.get(k),
): string {
  return env("FLANNEL_UPSTREAM_DIR") ?? `${REPO_ROOT}../shared/upstream`;
}

async function cacheDir(env: (k: string) => string | undefined): Promise<string> {
  const own = env("FLANNEL_UPSTREAM_CACHE");
  if (own) return own;
  const xdg = env("XDG_CACHE_HOME") ?? (env("HOME") ? `${env("HOME")}/.cache` : undefined);
  return xdg ? `${xdg}/flannel-upstream` : await Deno.makeTempDir({ prefix: "flannel-upstream-" });
}

/** Finds and unpacks the binaries; see the module doc. `env` reads variables (injectable). */
export async function findUpstream(
  env: (k: string) => string | undefined = (k) => Deno.env.get(k),
): Promise<UpstreamLookup> {
  const src = upstreamSourceDir(env);
  const unpack = `${src}/unpack`;
  if (!(await Deno.stat(unpack).then((s) => s.isFile, () => false))) {
    return {
      bins: null,
      reason: `no upstream flannel binaries: "${unpack}" not found (set FLANNEL_UPSTREAM_DIR)`,
    };
  }
  const dir = await cacheDir(env);
  // Present but unusable is a failure (CommandFailedError), not a reason to skip.
  const out = (await run(unpack, [dir])).trim();
  return { bins: { flanneld: `${out}/${FLANNELD}`, cni: `${out}/${CNI}` }, reason: null };
}

/**
 * Installs upstream's CNI plugin as `<binDir>/flannel` (a symlink, as a runtime would find
 * it first in `CNI_PATH`); returns `CNI_PATH` with `/usr/lib/cni` (bridge, host-local) after.
 */
export async function installUpstreamCni(bins: UpstreamBins, binDir: string): Promise<string> {
  await Deno.mkdir(binDir, { recursive: true });
  await Deno.symlink(bins.cni, `${binDir}/flannel`);
  return `${binDir}:/usr/lib/cni`;
}

/** Upstream flanneld's store flags for an etcd endpoint and prefix (it has no `--store`). */
export function upstreamEtcdFlags(endpoint: string, prefix: string): string[] {
  return ["--etcd-endpoints", endpoint, "--etcd-prefix", prefix];
}
