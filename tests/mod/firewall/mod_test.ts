import {
  BR_NETFILTER_FILES,
  BrNetfilterError,
  checkBrNetfilter,
  Firewall,
  FirewallError,
} from "../../../mod/firewall/mod.ts";
import { nftDeleteTablesScript } from "../../../mod/firewall/nft_rules.ts";
import type { CommandResult } from "../../../mod/firewall/runner.ts";
import { parseCIDR } from "../../../mod/ip/mod.ts";
import { createLogger } from "../../../mod/log.ts";
import { assert, assertEquals, assertRejects, assertThrows } from "../../harness/assert.ts";
import { FakeIptables } from "./fake_iptables.ts";

const N = parseCIDR("10.42.0.0/16");
const S = parseCIDR("10.42.1.0/24");
const N6 = parseCIDR("fd00:42::/56");
const S6 = parseCIDR("fd00:42:0:1::/64");
const EMPTY = parseCIDR("0.0.0.0/0");

/** The fake iptables plus a recording nft that always succeeds. */
function world() {
  const fake = new FakeIptables();
  const nft: string[] = [];
  const lines: string[] = [];
  const run = (cmd: string, args: readonly string[], stdin?: string): Promise<CommandResult> => {
    if (cmd === "nft") {
      nft.push(`${args.join(" ")}\n${stdin ?? ""}`);
      return Promise.resolve({ code: 0, stdout: "", stderr: "" });
    }
    return fake.run(cmd, args, stdin);
  };
  const logger = createLogger({ write: (l) => lines.push(l.replace(/^.*\] /, "")), pid: 1 });
  return { fake, nft, lines, run, logger };
}

Deno.test("Firewall.setup() in iptables mode: nft cleanup, masq and forward for both families", async () => {
  const w = world();
  const fw = new Firewall({ mode: "iptables", run: w.run, logger: w.logger });
  await fw.setup({
    masq: { targets: [{ network: N, subnet: S }, { network: N6, subnet: S6 }] },
    forwardNetworks: [N, N6],
  });
  assertEquals(w.nft, [`-f -\n${nftDeleteTablesScript()}`]);
  assertEquals(w.lines.slice(0, 3), [
    "Cleaning-up unused traffic manager rules\n",
    "Starting flannel in iptables mode...\n",
    "Setting up masking rules\n",
  ]);
  for (const fam of [4, 6] as const) {
    assertEquals(w.fake.chain(fam, "nat", "FLANNEL-POSTRTG")!.length, 6);
    assertEquals(w.fake.chain(fam, "filter", "FLANNEL-FWD")!.length, 2);
  }
});

Deno.test("Firewall.setup() in nftables mode removes iptables chains and creates the tables", async () => {
  const w = world();
  const old = new Firewall({ mode: "iptables", run: w.run, logger: w.logger });
  await old.setup({ masq: { targets: [{ network: N, subnet: S }] }, forwardNetworks: [N] });
  const fw = new Firewall({ mode: "nftables", run: w.run, logger: w.logger });
  await fw.setup({
    masq: { targets: [{ network: N, subnet: S }], fullyRandomDisable: true },
    forwardNetworks: [N],
  });
  assertEquals(w.fake.chain(4, "nat", "FLANNEL-POSTRTG"), undefined);
  assertEquals(w.fake.chain(4, "filter", "FLANNEL-FWD"), undefined);
  assertEquals(w.fake.chain(4, "nat", "POSTROUTING"), []);
  const scripts = w.nft.slice(1).map((s) => s.split("\n")[0]);
  assertEquals(scripts, ["-f -", "-f -", "-f -"], "init, masq, forward (no probe: disabled)");
  assert(w.lines.includes("Starting flannel in nftables mode...\n"));
});

Deno.test("Firewall skips empty networks (0.0.0.0/0 counts as unset)", async () => {
  const w = world();
  const fw = new Firewall({ mode: "iptables", run: w.run, logger: w.logger });
  await fw.setupMasq([{ network: EMPTY, subnet: EMPTY }]);
  await fw.setupForward([EMPTY]);
  assertEquals(w.fake.calls, []);
});

Deno.test("Firewall.setupMasq() failure is fatal, setupForward() failure only logged", async () => {
  const w = world();
  w.fake.missing.add("iptables");
  const fw = new Firewall({ mode: "iptables", run: w.run, logger: w.logger });
  const err = await assertRejects(() => fw.setupMasq([{ network: N, subnet: S }]), FirewallError);
  assert(err.message.startsWith("Failed to setup masq rules: "), err.message);
  await fw.setupForward([N]);
  assert(w.lines.some((l) => l.startsWith("Failed to setup forward rules: ")));
});

Deno.test("Firewall.startResync() repairs every period until aborted", async () => {
  const w = world();
  const ctl = new AbortController();
  let sleeps = 0;
  const fw = new Firewall({
    mode: "iptables",
    run: w.run,
    logger: w.logger,
    sleep: (ms) => {
      assertEquals(ms, 5000);
      if (++sleeps === 3) ctl.abort();
      w.fake.chain(4, "nat", "FLANNEL-POSTRTG")!.pop(); // someone deletes a rule each period
      return Promise.resolve();
    },
  });
  await fw.setupMasq([{ network: N, subnet: S }]);
  await fw.startResync(5, ctl.signal);
  assertEquals(sleeps, 3);
  const repairs = w.lines.filter((l) => l.startsWith("Some iptables rules are missing"));
  assertEquals(repairs.length, 2, "two passes ran; the third sleep ended with the abort");
  assertEquals(w.fake.chain(4, "nat", "FLANNEL-POSTRTG")!.length, 5);
});

Deno.test("Firewall.startResync() returns at once in nftables mode", async () => {
  const w = world();
  const fw = new Firewall({
    mode: "nftables",
    run: w.run,
    logger: w.logger,
    sleep: () => Promise.reject(new Error("no sleep")),
  });
  await fw.startResync(5, new AbortController().signal);
});

Deno.test("Firewall.startResync() with the real sleep stops promptly on abort", async () => {
  const w = world();
  const fw = new Firewall({ mode: "iptables", run: w.run, logger: w.logger });
  const ctl = new AbortController();
  const done = fw.startResync(3600, ctl.signal);
  setTimeout(() => ctl.abort(), 10);
  await done;
});

Deno.test("Firewall.startResync() with the real sleep honours a period above setTimeout's limit", async () => {
  const w = world();
  let runs = 0;
  const run: typeof w.run = (cmd, args, stdin) => (runs++, w.run(cmd, args, stdin));
  const fw = new Firewall({ mode: "iptables", run, logger: w.logger });
  await fw.setupMasq([{ network: N, subnet: S }]);
  const before = runs;
  const ctl = new AbortController();
  const done = fw.startResync(2_147_484, ctl.signal); // 24.9 days: a clamped timer fires in 1 ms
  await new Promise((r) => setTimeout(r, 50));
  ctl.abort();
  await done;
  assertEquals(runs - before, 0, "no resync ran before its period");
});

Deno.test("checkBrNetfilter() requires the bridge-nf files only in iptables mode", async (t) => {
  const none = () => false;
  await t.step("nftables mode never checks", () => {
    checkBrNetfilter({ enableIPv4: true, enableIPv6: true, enableNFTables: true, exists: none });
  });
  await t.step("IPv4 missing", () => {
    const err = assertThrows(
      () =>
        checkBrNetfilter({
          enableIPv4: true,
          enableIPv6: false,
          enableNFTables: false,
          exists: none,
        }),
      BrNetfilterError,
      `Failed to check br_netfilter: stat ${BR_NETFILTER_FILES[4]}: no such file or directory`,
    );
    assertEquals(err.code, "EBRNETFILTER");
    assert(err.message.includes("modprobe br_netfilter"));
  });
  await t.step("IPv6 only checks the ip6tables file", () => {
    const seen: string[] = [];
    const exists = (p: string) => (seen.push(p), true);
    checkBrNetfilter({ enableIPv4: false, enableIPv6: true, enableNFTables: false, exists });
    assertEquals(seen, [BR_NETFILTER_FILES[6]]);
  });
});
