import { assert, assertEquals, assertStringIncludes } from "../../harness/assert.ts";
import {
  agentCommandLine,
  agentNotImplemented,
  type CliIO,
  EXIT_USAGE,
} from "../../../mod/agent/cli.ts";
import { VERSION } from "../../../mod/version.ts";

function io(): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t) };
}

Deno.test("agentCommandLine() prints usage to stdout and exits 0 for --help", () => {
  const o = io();
  assertEquals(agentCommandLine(["--help"], {}, o), { exit: 0 });
  assert(o.out.join("").startsWith("Usage: flanneld [OPTION]...\n"));
  assertEquals(o.err, []);
});

Deno.test("agentCommandLine() prints the version to stderr and exits 0", () => {
  const o = io();
  assertEquals(agentCommandLine(["-version"], { FLANNELD_IP_MASQ: "bad" }, o), { exit: 0 });
  assertEquals([o.out, o.err], [[], [`${VERSION}\n`]]);
});

Deno.test("agentCommandLine() exits 2 with the message and a usage hint on bad input", () => {
  for (
    const [argv, env, text] of [
      [["--ifac=eth0"], {}, 'Unknown flag "-ifac"'],
      [[], { FLANNELD_IPTABLES_RESYNC: "soon" }, "FLANNELD_IPTABLES_RESYNC"],
      [["--subnet-lease-renew-margin=1440"], {}, "out of acceptable range"],
    ] as const
  ) {
    const o = io();
    assertEquals(agentCommandLine(argv, env, o), { exit: EXIT_USAGE });
    assertEquals(o.out, []);
    assertStringIncludes(o.err[0]!, `flanneld: `);
    assertStringIncludes(o.err[0]!, text);
    assertEquals(o.err[1], 'Run "flanneld --help" for the list of flags\n');
  }
});

Deno.test("agentCommandLine() returns the options when the agent should start", () => {
  const o = io();
  const r = agentCommandLine(["--iface=eth1"], { FLANNELD_IP_MASQ: "true" }, o);
  assert("options" in r);
  assertEquals([r.options.iface, r.options.ipMasq], [["eth1"], true]);
  assertEquals([o.out, o.err], [[], []]);
});

Deno.test("agentNotImplemented() logs the redacted flags line and says the agent is missing", () => {
  const o = io();
  const r = agentCommandLine(["--etcd-password=hunter2"], {}, o);
  assert("options" in r);
  assertEquals(agentNotImplemented(r.options, o), 1);
  const err = o.err.join("");
  assertStringIncludes(err, "CLI flags config: {");
  assertStringIncludes(err, "etcdPassword:********");
  assertStringIncludes(err, "the agent is not implemented yet");
  assert(!err.includes("hunter2"));
});
