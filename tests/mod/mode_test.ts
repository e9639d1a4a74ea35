import { assertEquals } from "../harness/assert.ts";
import { basename, selectMode } from "../../mod/mode.ts";

Deno.test("selectMode() picks CNI mode from CNI_COMMAND or the name flannel", () => {
  assertEquals(selectMode({ CNI_COMMAND: "ADD" }, [], "file:///x/main.ts"), { kind: "cni" });
  assertEquals(selectMode({ CNI_COMMAND: "" }, ["version"], "/usr/bin/flanneld"), { kind: "cni" });
  assertEquals(selectMode({}, [], "/opt/cni/bin/flannel"), { kind: "cni" });
  assertEquals(selectMode({}, [], "file:///tmp/bin/flannel"), { kind: "cni" });
});

Deno.test("selectMode() picks a tool by the first argument, else the agent", () => {
  assertEquals(selectMode({}, ["version"], "/usr/bin/flanneld"), {
    kind: "tool",
    tool: "version",
    args: [],
  });
  assertEquals(selectMode({}, ["install-cni", "--x"], "main.ts").kind, "tool");
  assertEquals(selectMode({}, ["--iface", "version"], "main.ts"), {
    kind: "agent",
    args: ["--iface", "version"],
  });
  assertEquals(selectMode({}, [], "file:///work/main.ts"), { kind: "agent", args: [] });
});

Deno.test("basename() handles paths and file URLs", () => {
  assertEquals(basename("file:///a/b%20c/flannel"), "flannel");
  assertEquals(basename("/opt/cni/bin/flannel"), "flannel");
  assertEquals(basename("flanneld"), "flanneld");
});
