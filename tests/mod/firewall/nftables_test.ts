import { NftablesManager, removeNftTables } from "../../../mod/firewall/nftables.ts";
import { nftDeleteTablesScript, nftInitScript } from "../../../mod/firewall/nft_rules.ts";
import { type CommandResult, FirewallError } from "../../../mod/firewall/runner.ts";
import { parseCIDR } from "../../../mod/ip/mod.ts";
import { createLogger } from "../../../mod/log.ts";
import { assert, assertEquals, assertRejects } from "../../harness/assert.ts";

const N = parseCIDR("10.42.0.0/16");
const S = parseCIDR("10.42.1.0/24");

/** A recording `nft` whose answers come from `answer` (default: success). */
function fakeNft(answer: (args: readonly string[], stdin: string) => CommandResult = () => ok) {
  const calls: { args: readonly string[]; stdin: string }[] = [];
  const lines: string[] = [];
  const run = (cmd: string, args: readonly string[], stdin?: string) => {
    assertEquals(cmd, "nft");
    calls.push({ args, stdin: stdin ?? "" });
    return Promise.resolve(answer(args, stdin ?? ""));
  };
  const logger = createLogger({ write: (l) => lines.push(l), verbosity: 2 });
  return { calls, lines, run, mgr: new NftablesManager({ run, logger }) };
}
const ok: CommandResult = { code: 0, stdout: "", stderr: "" };
const fail = (stderr: string, code = 1): CommandResult => ({ code, stdout: "", stderr });

Deno.test("NftablesManager.init() creates both tables in one transaction", async () => {
  const { calls, mgr } = fakeNft();
  await mgr.init();
  assertEquals(calls, [{ args: ["-f", "-"], stdin: nftInitScript() }]);
});

Deno.test("NftablesManager.init() maps failures to upstream's messages", async () => {
  await assertRejects(
    () => fakeNft(() => fail("not found", 127)).mgr.init(),
    FirewallError,
    "no nftables support",
  );
  await assertRejects(
    () => fakeNft(() => fail("Operation not supported")).mgr.init(),
    FirewallError,
    "nftables: couldn't initialise table flannel-ipv4: Operation not supported",
  );
});

Deno.test("NftablesManager.setupMasq() probes fully-random once and uses it", async () => {
  const { calls, mgr } = fakeNft();
  await mgr.setupMasq({ network: N, subnet: S }, false);
  await mgr.setupMasq(
    { network: parseCIDR("fd00::/56"), subnet: parseCIDR("fd00:0:0:1::/64") },
    false,
  );
  assertEquals(calls.filter((c) => c.args[0] === "--check").length, 1);
  const scripts = calls.filter((c) => c.args[0] === "-f").map((c) => c.stdin);
  assert(
    scripts[0]!.includes("ip saddr 10.42.0.0/16 ip daddr != 224.0.0.0/4 masquerade fully-random"),
  );
  assert(scripts[1]!.includes("add chain ip6 flannel-ipv6 postrtg"));
  assert(
    scripts[1]!.includes("ip6 saddr != fd00::/56 ip6 daddr fd00::/56 masquerade fully-random"),
  );
});

Deno.test("NftablesManager.setupMasq() drops fully-random when unsupported or disabled", async () => {
  const unsupported = fakeNft((args) => (args[0] === "--check" ? fail("Error: syntax") : ok));
  await unsupported.mgr.setupMasq({ network: N, subnet: S }, false);
  assert(
    unsupported.lines.some((l) =>
      l.startsWith("W") && l.endsWith("nftables: random fully unsupported\n")
    ),
  );
  assert(!unsupported.calls.at(-1)!.stdin.includes("fully-random"));
  const disabled = fakeNft();
  await disabled.mgr.setupMasq({ network: N, subnet: S }, true);
  assertEquals(disabled.calls.length, 1, "no probe when disabled");
  assert(!disabled.calls[0]!.stdin.includes("fully-random"));
});

Deno.test("NftablesManager.setupMasq()/setupForward() throw FirewallError on nft failure", async () => {
  const { mgr } = fakeNft((args) => (args[0] === "--check" ? ok : fail("Error: No such file")));
  await assertRejects(
    () => mgr.setupMasq({ network: N, subnet: S }, false),
    FirewallError,
    "couldn't setup masq rules",
  );
  await assertRejects(
    () => mgr.setupForward(parseCIDR("fd00::/56")),
    FirewallError,
    "forward rules (ipv6)",
  );
});

Deno.test("removeNftTables() runs the idempotent delete and logs failures at -v 2", async () => {
  const good = fakeNft();
  await removeNftTables(good.run, createLogger({ write: () => {} }));
  assertEquals(good.calls, [{ args: ["-f", "-"], stdin: nftDeleteTablesScript() }]);
  const bad = fakeNft(() => fail("not found", 127));
  await removeNftTables(bad.run, createLogger({ write: (l) => bad.lines.push(l), verbosity: 2 }));
  assert(bad.lines.some((l) => l.includes("nftables: couldn't delete table: not found")));
});
