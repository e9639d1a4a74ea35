/**
 * Which face of the program runs: the CNI plugin, an operator tool, or the agent.
 *
 * Design notes: runtimes always set `CNI_COMMAND`; the basename `flannel` (the installed CNI
 * name) also selects CNI mode so `flannel` run by hand prints the CNI "about" text. The name
 * comes from `FLANNEL_ARGV0` (set by the self-extracting launcher), else argv[0] of a compiled
 * binary, else the main module's file name, which keeps a symlink's name under `deno run`.
 */

/** Operator subcommands; the first argument selects one. */
export const TOOLS = ["version", "status", "install-cni"] as const;
export type Tool = typeof TOOLS[number];

export type Mode =
  | { kind: "cni" }
  | { kind: "tool"; tool: Tool; args: string[] }
  | { kind: "agent"; args: string[] };

/** Basename of a path or file URL. */
export function basename(pathOrUrl: string): string {
  const path = pathOrUrl.startsWith("file://")
    ? decodeURIComponent(new URL(pathOrUrl).pathname)
    : pathOrUrl;
  return path.slice(path.lastIndexOf("/") + 1);
}

export function selectMode(
  env: Readonly<Record<string, string | undefined>>,
  args: readonly string[],
  invokedAs: string,
): Mode {
  if (env.CNI_COMMAND !== undefined) return { kind: "cni" };
  const name = basename(invokedAs).replace(/\.(ts|js)$/, "");
  if (name === "flannel") return { kind: "cni" };
  const first = args[0];
  if (first !== undefined && (TOOLS as readonly string[]).includes(first)) {
    return { kind: "tool", tool: first as Tool, args: args.slice(1) };
  }
  return { kind: "agent", args: [...args] };
}
