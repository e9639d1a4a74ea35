import { IptablesManager, removeIptablesChains } from "../../../mod/firewall/iptables.ts";
import { listingLine, planForwardRules, planMasqRules } from "../../../mod/firewall/rules.ts";
import { FirewallError } from "../../../mod/firewall/runner.ts";
import { parseCIDR } from "../../../mod/ip/mod.ts";
import { createLogger } from "../../../mod/log.ts";
import { assert, assertEquals, assertRejects } from "../../harness/assert.ts";
import { FakeIptables } from "./fake_iptables.ts";

const N = parseCIDR("10.42.0.0/16");
const S = parseCIDR("10.42.1.0/24");

function setup(verbosity = 0) {
  const fake = new FakeIptables();
  const lines: string[] = [];
  const logger = createLogger({ write: (l) => lines.push(l), verbosity, pid: 1 });
  return { fake, lines, mgr: new IptablesManager({ run: fake.run, logger }) };
}

const restores = (f: FakeIptables) => f.calls.filter((c) => c.cmd.endsWith("-restore"));

Deno.test("IptablesManager.setupMasq() installs §6.1 with one restore and no duplicates on rerun", async () => {
  const { fake, mgr } = setup();
  await mgr.setupMasq({ network: N, subnet: S }, false);
  await mgr.setupMasq({ network: N, subnet: S }, false);
  const expected = planMasqRules(N, S, true).rules.map(listingLine);
  assertEquals(fake.chain(4, "nat", "POSTROUTING"), [expected[0]]);
  assertEquals(fake.chain(4, "nat", "FLANNEL-POSTRTG"), expected.slice(1));
  assertEquals(restores(fake).length, 2);
  assert(restores(fake).every((c) => c.args.join(" ") === "--noflush --wait"));
});

Deno.test("IptablesManager moves its jump to the end of the built-in chain", async () => {
  const { fake, mgr } = setup();
  await mgr.setupForward(N);
  fake.chain(4, "filter", "FORWARD")!.push("-A FORWARD -j OTHER");
  await mgr.setupForward(N);
  assertEquals(fake.chain(4, "filter", "FORWARD"), [
    "-A FORWARD -j OTHER",
    `-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD`,
  ]);
});

Deno.test("IptablesManager removes duplicated jumps on bootstrap", async () => {
  const { fake, mgr } = setup();
  const jump = listingLine(planForwardRules(N).rules[0]!);
  await mgr.setupForward(N);
  fake.chain(4, "filter", "FORWARD")!.push(jump, jump);
  await mgr.setupForward(N);
  assertEquals(fake.chain(4, "filter", "FORWARD"), [jump]);
});

Deno.test("IptablesManager.setupMasq() recycles the previous network's rules", async (t) => {
  await t.step("changed subnet: old rules deleted, new installed", async () => {
    const { fake, mgr, lines } = setup();
    const old = parseCIDR("10.42.7.0/24");
    await mgr.setupMasq({ network: N, subnet: old }, false);
    fake.chain(4, "nat", "POSTROUTING")!.push("-A POSTROUTING -j KEEP");
    await mgr.setupMasq({ network: N, subnet: S, prevNetwork: N, prevSubnet: old }, false);
    assert(lines.some((l) => l.includes("trying to recycle old iptables rules")));
    const text = fake.chain(4, "nat", "FLANNEL-POSTRTG")!.join("\n");
    assert(!text.includes("10.42.7.0/24"), text);
    assertEquals(fake.chain(4, "nat", "FLANNEL-POSTRTG")!.length, 6);
    assertEquals(fake.chain(4, "nat", "POSTROUTING")![0], "-A POSTROUTING -j KEEP");
    const teardown = restores(fake)[1]!.stdin!;
    assert(teardown.includes("-D FLANNEL-POSTRTG -s 10.42.7.0/24"), teardown);
  });
  await t.step("same values or no previous file: no recycling", async () => {
    for (const prev of [{ prevNetwork: N, prevSubnet: S }, {}]) {
      const { fake, mgr, lines } = setup();
      await mgr.setupMasq({ network: N, subnet: S, ...prev }, false);
      assert(!lines.some((l) => l.includes("recycle")));
      assertEquals(restores(fake).length, 1);
    }
  });
});

Deno.test("IptablesManager.ensure() re-bootstraps only when a rule is missing", async () => {
  const { fake, mgr, lines } = setup();
  await mgr.setupMasq({ network: N, subnet: S }, true);
  const [set] = mgr.ruleSets;
  assertEquals(await mgr.ensure(set!), false);
  fake.chain(4, "nat", "FLANNEL-POSTRTG")!.splice(2, 1);
  assertEquals((await mgr.missingRules(set!)).length, 1);
  assertEquals(await mgr.ensure(set!), true);
  assert(
    lines.some((l) =>
      l.endsWith("] Some iptables rules are missing; deleting and recreating rules\n")
    ),
  );
  assertEquals(fake.chain(4, "nat", "FLANNEL-POSTRTG"), set!.rules.slice(1).map(listingLine));
  fake.chains.delete("4/nat/FLANNEL-POSTRTG"); // as `iptables -F/-X` after deleting the jump
  fake.chain(4, "nat", "POSTROUTING")!.splice(0);
  assertEquals((await mgr.missingRules(set!)).length, 7);
  await mgr.resyncOnce();
  assertEquals(await mgr.missingRules(set!), []);
});

Deno.test("IptablesManager trusts iptables -C when the listing is formatted differently", async () => {
  const { fake, mgr } = setup();
  await mgr.setupForward(N);
  // Another iptables build might print `--source`: -S no longer matches textually.
  const reformatting = new IptablesManager({
    run: async (cmd, args, stdin) => {
      const r = await fake.run(cmd, args, stdin);
      return args.includes("-S") ? { ...r, stdout: r.stdout.replaceAll(" -s ", " --source ") } : r;
    },
    logger: createLogger({ write: () => {} }),
  });
  const calls = fake.calls.length;
  assertEquals(await reformatting.missingRules(planForwardRules(N)), []);
  assertEquals(fake.calls.slice(calls).filter((c) => c.args.includes("-C")).length, 1);
  await reformatting.bootstrap(planForwardRules(N));
  assertEquals(fake.chain(4, "filter", "FLANNEL-FWD")!.length, 2);
  assertEquals(fake.chain(4, "filter", "FORWARD")!.length, 1);
});

Deno.test("IptablesManager handles IPv6 with ip6tables and no --wait on old iptables", async () => {
  const { fake, mgr } = setup();
  fake.version = "v1.4.21";
  await mgr.setupMasq(
    { network: parseCIDR("fd00:42::/56"), subnet: parseCIDR("fd00:42:0:1::/64") },
    false,
  );
  const chain = fake.chain(6, "nat", "FLANNEL-POSTRTG")!;
  assert(chain.some((l) => l.includes("! -d ff00::/8")));
  assert(chain.every((l) => !l.includes("--random-fully")), "1.4.21 has no --random-fully");
  assert(fake.calls.every((c) => c.cmd.startsWith("ip6") && !c.args.includes("--wait")));
  assertEquals(fake.chain(4, "nat", "FLANNEL-POSTRTG"), undefined);
});

Deno.test("IptablesManager.setupMasq() fails with FirewallError without iptables", async () => {
  const { fake, mgr } = setup();
  fake.missing.add("iptables");
  await assertRejects(
    () => mgr.setupMasq({ network: N, subnet: S }, false),
    FirewallError,
    `"iptables"`,
  );
  fake.missing.clear();
  await mgr.setupMasq({ network: N, subnet: S }, false); // probed again, works
});

Deno.test("removeIptablesChains() removes both chains from the right tables with their jumps", async () => {
  const { fake, mgr } = setup();
  await mgr.setupMasq({ network: N, subnet: S }, false);
  await mgr.setupForward(N);
  fake.chain(4, "filter", "FORWARD")!.unshift("-A FORWARD -j OTHER");
  await removeIptablesChains(fake.run, createLogger({ write: () => {} }));
  assertEquals(fake.chain(4, "nat", "FLANNEL-POSTRTG"), undefined);
  assertEquals(fake.chain(4, "filter", "FLANNEL-FWD"), undefined);
  assertEquals(fake.chain(4, "nat", "POSTROUTING"), []);
  assertEquals(fake.chain(4, "filter", "FORWARD"), ["-A FORWARD -j OTHER"]);
  const before = fake.calls.length;
  await removeIptablesChains(fake.run, createLogger({ write: () => {} }));
  assertEquals(restores(fake).length, 2 + 2, "second cleanup finds nothing to restore");
  assert(fake.calls.length > before);
});

Deno.test("removeIptablesChains() logs problems at -v 2 and never throws", async () => {
  const { fake, lines } = setup(2);
  fake.missing.add("iptables").add("ip6tables");
  const logger = createLogger({ write: (l) => lines.push(l), verbosity: 2 });
  await removeIptablesChains(fake.run, logger);
  assertEquals(lines.filter((l) => l.includes("could not clean-up")).length, 4);
});
