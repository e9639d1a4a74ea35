import { assertEquals, assertThrows } from "../../harness/assert.ts";
import { goPathError, readTextGo } from "../../../mod/cni/os_error.ts";

Deno.test("goPathError() words Deno errors like Go's PathError", () => {
  assertEquals(
    goPathError("open", "/x", new Deno.errors.NotFound("x")),
    "open /x: no such file or directory",
  );
  assertEquals(
    goPathError("open", "/x", new Deno.errors.PermissionDenied("x")),
    "open /x: permission denied",
  );
  assertEquals(
    goPathError("open", "/x", new Error("Weird thing (os error 5)")),
    "open /x: weird thing",
  );
});

Deno.test("readTextGo() reads files and words failures", async () => {
  const f = await Deno.makeTempFile();
  try {
    await Deno.writeTextFile(f, "x");
    assertEquals(readTextGo(f), "x");
    assertThrows(
      () => readTextGo(`${f}.none`),
      Error,
      `open ${f}.none: no such file or directory`,
    );
  } finally {
    await Deno.remove(f);
  }
});
