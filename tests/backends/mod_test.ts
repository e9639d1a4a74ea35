import { assertEquals, assertThrows } from "../harness/assert.ts";
import { BACKENDS, lookupBackend, UnknownBackendError } from "../../backends/mod.ts";
import { hostGw } from "../../backends/host_gw.ts";
import { vxlan } from "../../backends/vxlan.ts";

Deno.test("lookupBackend() lower-cases the type", () => {
  assertEquals(lookupBackend("VXLAN"), vxlan);
  assertEquals(lookupBackend("Host-GW"), hostGw);
});

Deno.test("lookupBackend() refuses unknown types with upstream's message", () => {
  const e = assertThrows(
    () => lookupBackend("wireguard"),
    UnknownBackendError,
    "unknown backend type: wireguard",
  );
  assertEquals(e.code, "EBACKEND");
  assertThrows(() => lookupBackend(""), UnknownBackendError, "unknown backend type: ");
  // Upstream lower-cases the type before looking it up and names it so in the message.
  assertEquals(assertThrows(() => lookupBackend("GRE")).message, "unknown backend type: gre");
  assertThrows(() => lookupBackend("constructor"), UnknownBackendError);
});

Deno.test("BACKENDS lists every backend under its lower-case name", () => {
  assertEquals(Object.keys(BACKENDS).sort(), ["host-gw", "vxlan"]);
});
