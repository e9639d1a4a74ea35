import { assertEquals, assertThrows } from "../../harness/assert.ts";
import { loadArgs } from "../../../mod/cni/args.ts";

Deno.test("loadArgs() parses known keys and honours IgnoreUnknown", () => {
  assertEquals(loadArgs("", ["IP"]).size, 0);
  assertEquals(loadArgs("IP=10.0.0.5", ["IP"]).get("IP"), "10.0.0.5");
  const k8s = "IgnoreUnknown=1;K8S_POD_NAMESPACE=ns;K8S_POD_NAME=p;IP=10.0.0.6";
  assertEquals(loadArgs(k8s, ["IP"]).get("IP"), "10.0.0.6");
  assertEquals(loadArgs("K8S_POD_NAME=p;IgnoreUnknown=TRUE", ["IP"]).size, 0);
});

Deno.test("loadArgs() errors like types.LoadArgs", () => {
  assertThrows(
    () => loadArgs("K8S_POD_NAME=p", ["IP"]),
    Error,
    'ARGS: unknown args ["K8S_POD_NAME=p"]',
  );
  assertThrows(() => loadArgs("a=b;c=d", []), Error, 'ARGS: unknown args ["a=b" "c=d"]');
  assertThrows(() => loadArgs("IP", ["IP"]), Error, 'ARGS: invalid pair "IP"');
  assertThrows(() => loadArgs("a=b=c", ["a"]), Error, 'ARGS: invalid pair "a=b=c"');
  assertThrows(
    () => loadArgs("IgnoreUnknown=yes", []),
    Error,
    "boolean unmarshal error: invalid input yes",
  );
});
