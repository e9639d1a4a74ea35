/**
 * `deno task bench`: runs the benchmarks under scripts/bench/ (results go to BENCHMARKS.md).
 *
 * Placeholder: until the real script exists it says plainly what is missing and exits 1.
 */
if (import.meta.main) {
  console.error(
    [
      "bench: no benchmark exists yet.",
      "Missing: benchmark scripts under scripts/bench/ and their entry in this file.",
    ].join("\n"),
  );
  Deno.exit(1);
}
