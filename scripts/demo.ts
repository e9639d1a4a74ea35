/**
 * `deno task demo`: the main job — a 3-host flannel cluster in network namespaces.
 *
 * Placeholder: until the real script exists it says plainly what is missing and exits 1.
 */
if (import.meta.main) {
  console.error(
    [
      "demo: not built yet, so there is nothing to show.",
      "Missing: the agent lifecycle (mod/agent), the store clients (store/) and the script that",
      "starts etcd and three agents in network namespaces and pings between their pods.",
      "What works today: `deno task test`, and `deno run -A main.ts --help` for the flanneld flags.",
    ].join("\n"),
  );
  Deno.exit(1);
}
