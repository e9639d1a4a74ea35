/**
 * `deno task dev`: a development sandbox (one agent in a network namespace, restarted on change).
 *
 * Placeholder: until the real script exists it says plainly what is missing and exits 1.
 */
if (import.meta.main) {
  console.error(
    [
      "dev: the development sandbox is not built yet.",
      "Missing: the agent lifecycle (mod/agent) and the sandbox script that runs it in a namespace.",
      "Meanwhile: `deno task test` runs the suite; `deno run -A main.ts --help` shows the flags.",
    ].join("\n"),
  );
  Deno.exit(1);
}
