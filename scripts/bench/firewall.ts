/**
 * Firewall apply cost: nftables (one atomic `nft -f -` per chain) against iptables
 * (`iptables -S`/`-C` checks + one `iptables-restore --noflush` per rule set), measured in the
 * same run inside a throwaway network namespace (needs root).
 *
 * Cases, each `RUNS` times after one warm-up, median reported:
 *  - apply: masquerade + forward rules for IPv4 and IPv6 on an already configured namespace
 *    (what a restart does), with a fresh manager each time;
 *  - resync: one iptables check pass with nothing missing (every `--iptables-resync` seconds).
 *
 * Usage: `deno run -A scripts/bench/firewall.ts [runs]`
 */
import { Firewall, type FirewallMode, netnsRunner } from "../../mod/firewall/mod.ts";
import { parseCIDR } from "../../mod/ip/mod.ts";
import { withNetns } from "../lab/netns.ts";

const RUNS = Number(Deno.args[0] ?? 15);
const targets = [
  { network: parseCIDR("10.244.0.0/16"), subnet: parseCIDR("10.244.1.0/24") },
  { network: parseCIDR("fd00:244::/56"), subnet: parseCIDR("fd00:244:0:1::/64") },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function time(fn: () => Promise<void>): Promise<number[]> {
  await fn(); // warm-up (also the first install)
  const out: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

async function applyTimes(ns: string, mode: FirewallMode): Promise<number[]> {
  return await time(async () => {
    const fw = new Firewall({ mode, run: netnsRunner(ns) });
    await fw.init();
    await fw.setupMasq(targets);
    await fw.setupForward(targets.map((t) => t.network));
  });
}

if (import.meta.main) {
  await withNetns(1, async (ns) => {
    const nft = await applyTimes(ns.name, "nftables");
    const ipt = await applyTimes(ns.name, "iptables");
    const fw = new Firewall({ mode: "iptables", run: netnsRunner(ns.name) });
    await fw.setupMasq(targets);
    await fw.setupForward(targets.map((t) => t.network));
    const resync = await time(() => fw.resyncOnce());
    const f = (x: number) => x.toFixed(1);
    console.log(`runs per case: ${RUNS}`);
    console.log(`apply, nftables (4 nft -f -):          median ${f(median(nft))} ms`);
    console.log(`apply, iptables (checks + 4 restores): median ${f(median(ipt))} ms`);
    console.log(`ratio iptables / nftables:             ${(median(ipt) / median(nft)).toFixed(2)}`);
    console.log(`resync pass, iptables (nothing missing): median ${f(median(resync))} ms`);
  }, "fwb");
}
