import { assertEquals } from "../../harness/assert.ts";
import { checkEnv, CONTAINER_ID_RE, interfaceNameError } from "../../../mod/cni/env.ts";

const text = (e: ReturnType<typeof checkEnv>) => e && [e.cniCode, e.message, e.details];

Deno.test("checkEnv() per command: required variables in the library's order", () => {
  assertEquals(text(checkEnv({ CNI_COMMAND: "ADD" }, "ADD")), [
    4,
    "required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME,CNI_PATH] missing",
    "",
  ]);
  assertEquals(text(checkEnv({ CNI_COMMAND: "GC" }, "GC")), [
    4,
    "required env variables [CNI_PATH] missing",
    "",
  ]);
  assertEquals(checkEnv({ CNI_COMMAND: "VERSION" }, "VERSION"), null);
  assertEquals(text(checkEnv({}, "")), [4, "required env variables [CNI_COMMAND] missing", ""]);
});

Deno.test("checkEnv() validators of set variables win over missing ones", () => {
  assertEquals(text(checkEnv({ CNI_COMMAND: "DEL", CNI_IFNAME: "a:b" }, "DEL")), [
    4,
    "interface name contains / or : or whitespace characters",
    "",
  ]);
  assertEquals(text(checkEnv({ CNI_COMMAND: "DEL", CNI_CONTAINERID: "_x" }, "DEL")), [
    4,
    "invalid characters in containerID",
    "_x",
  ]);
  // Not required for GC: not validated either.
  assertEquals(
    text(checkEnv({ CNI_COMMAND: "GC", CNI_PATH: "/x", CNI_IFNAME: "a/b" }, "GC")),
    null,
  );
});

Deno.test("interfaceNameError() and CONTAINER_ID_RE follow the library", () => {
  assertEquals(interfaceNameError("eth0"), null);
  assertEquals(interfaceNameError("x".repeat(15)), null);
  assertEquals(
    interfaceNameError("x".repeat(16))?.details,
    "interface name should be less than 16 characters",
  );
  assertEquals(interfaceNameError("é".repeat(8))?.message, "interface name is too long");
  assertEquals(interfaceNameError(".")?.message, "interface name is . or ..");
  assertEquals(
    interfaceNameError("a b")?.message,
    "interface name contains / or : or whitespace characters",
  );
  for (const ok of ["a", "0abc", "a.b_c-d", "f".repeat(64)]) {
    assertEquals(CONTAINER_ID_RE.test(ok), true, ok);
  }
  for (const bad of ["", "-a", ".a", "a b", "a@b", "a/b"]) {
    assertEquals(CONTAINER_ID_RE.test(bad), false, bad);
  }
});
