/**
 * `deno task compile`: builds the single-file flanneld launcher.
 *
 * Placeholder: until the real script exists it says plainly what is missing and exits 1.
 */
if (import.meta.main) {
  console.error(
    [
      "compile: not built yet.",
      "Missing: the self-extracting launcher builder (`deno compile` cannot work here: its runtime",
      "binary cannot be downloaded; see shared/notes/deno.md section 2).",
    ].join("\n"),
  );
  Deno.exit(1);
}
