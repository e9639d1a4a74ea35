/**
 * Netlink benchmark: how fast a node programs its peers.
 *
 *   deno run -A scripts/bench/netlink.ts [--n 5000] [--runs 5] [--parse] [--json]
 *
 * Per run, in fresh namespaces (a node with an underlay veth and a vxlan device `vx0`):
 * - this layer: from the peers as typed values (IPAddr/IPNet, as the reconciler holds
 *   them), build N neighbours + N FDB entries + N onlink routes (flannel's three entries per
 *   peer), encode and send them with `Rtnl.batch` (128 per sendto) and collect the results
 *   (`--parse` also times parsing the addresses from text, as iproute2 must);
 * - iproute2: the same 3N entries through `ip -n NS -batch FILE` + `bridge -n NS -batch FILE`
 *   (process start included: that is what running iproute2 costs).
 * Both are checked afterwards (3N entries present). Runs alternate which side goes first;
 * the median is reported. Then, once: N of each kind one at a time with an ACK each (ops/s),
 * and the peak RSS (VmHWM) of this process. Needs root; every namespace is deleted after.
 */
import { parseCIDR, parseIP } from "../../mod/ip/mod.ts";
import * as K from "../../mod/netlink/codec/consts.ts";
import type { Request } from "../../mod/netlink/codec/message.ts";
import { fdbReplace, neighReplace } from "../../mod/netlink/ops/neigh.ts";
import { routeReplace } from "../../mod/netlink/ops/route.ts";
import { Rtnl } from "../../mod/netlink/rtnl.ts";
import { isRoot, linkVeth, type Netns, run, withNetns } from "../lab/netns.ts";
import { argOpt, median, procMemoryMiB } from "./common.ts";
import { addVxlan } from "./overlay.ts";

/** One peer's addresses: its subnet (10.100.0.0/24 …), VTEP MAC and VTEP IP. */
function peer(i: number) {
  const hi = i >> 8, lo = i & 255;
  return {
    subnet: `10.${100 + hi}.${lo}.0`,
    mac: `0e:aa:00:00:${hi.toString(16).padStart(2, "0")}:${lo.toString(16).padStart(2, "0")}`,
    vtep: `198.19.${hi}.${lo}`,
  };
}

/**
 * A node in fresh namespaces: an underlay veth and the vxlan device `vx0`; `fn` gets it with
 * a netlink connection inside it and `vx0`'s ifindex.
 */
function withNode<T>(prefix: string, fn: (a: Netns, nl: Rtnl, vx: number) => T | Promise<T>) {
  return withNetns(2, async (a, b) => {
    await linkVeth(a, "eth0", b, "eth0", "198.18.0.1/24", "198.18.0.2/24");
    await addVxlan(a, "198.18.0.1", { name: "vx0", mtu: 1450 });
    using nl = Rtnl.open({ netns: a.path });
    return await fn(a, nl, nl.link.get("vx0").index);
  }, prefix);
}

/** The peers as the reconciler holds them: typed values (parsed once, outside the timing). */
function peers(n: number) {
  return Array.from({ length: n }, (_, i) => {
    const p = peer(i);
    const net = parseCIDR(`${p.subnet}/24`);
    return { gw: net.ip, net, mac: p.mac, vtep: parseIP(p.vtep) };
  });
}

function requests(ps: ReturnType<typeof peers>, vx: number): Request[] {
  const out: Request[] = [];
  for (const p of ps) {
    out.push(neighReplace({ index: vx, dst: p.gw, lladdr: p.mac }));
    out.push(fdbReplace({ index: vx, lladdr: p.mac, dst: p.vtep, state: K.NUD_PERMANENT }));
    out.push(routeReplace({ dst: p.net, gateway: p.gw, oif: vx, onlink: true }));
  }
  return out;
}

function counts(nl: Rtnl, vx: number): [number, number, number] {
  return [
    nl.neigh.list({ index: vx, family: K.AF_INET }).filter((e) => e.state & K.NUD_PERMANENT).length,
    nl.fdb.list({ index: vx }).filter((e) => e.dst).length,
    nl.route.list().filter((r) => r.oif === vx).length,
  ];
}

interface OursRun {
  ms: number;
  /** Dumping and decoding the 3N entries back (neigh, fdb, route lists). */
  dumpMs: number;
  /** RSS right after programming (before the verification dumps). */
  rssMiB: number;
}

function ours(n: number, parseInside: boolean): Promise<OursRun> {
  return withNode("nbo", (_, nl, vx) => {
    let ps = parseInside ? [] : peers(n);
    const t0 = performance.now();
    if (parseInside) ps = peers(n);
    const failed = nl.batch(requests(ps, vx)).filter(Boolean).length;
    const ms = performance.now() - t0;
    const rssMiB = Math.round(Deno.memoryUsage().rss / 2 ** 20);
    const t1 = performance.now();
    const got = counts(nl, vx);
    const dumpMs = performance.now() - t1;
    check("this layer", failed, got, n);
    return { ms, dumpMs, rssMiB };
  });
}

async function iproute2(n: number, dir: string): Promise<number> {
  const ipLines: string[] = [], brLines: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = peer(i);
    ipLines.push(`neigh replace ${p.subnet} lladdr ${p.mac} dev vx0 nud permanent`);
    brLines.push(`fdb replace ${p.mac} dev vx0 self dst ${p.vtep} permanent`);
  }
  for (let i = 0; i < n; i++) {
    ipLines.push(`route replace ${peer(i).subnet}/24 via ${peer(i).subnet} dev vx0 onlink`);
  }
  await Deno.writeTextFile(`${dir}/ip.batch`, ipLines.join("\n") + "\n");
  await Deno.writeTextFile(`${dir}/bridge.batch`, brLines.join("\n") + "\n");
  return await withNode("nbi", async (a, nl, vx) => {
    const t0 = performance.now();
    await run("ip", ["-n", a.name, "-batch", `${dir}/ip.batch`]);
    await run("bridge", ["-n", a.name, "-batch", `${dir}/bridge.batch`]);
    const ms = performance.now() - t0;
    check("iproute2", 0, counts(nl, vx), n);
    return ms;
  });
}

function check(who: string, failed: number, got: [number, number, number], n: number): void {
  if (failed || got.some((c) => c !== n)) {
    throw new Error(
      `${who}: ${failed} failed, found neigh/fdb/route ${got.join("/")}, expected ${n} each`,
    );
  }
}

/** One-at-a-time operations (an ACK each) per second, per kind. */
function oneAtATime(n: number): Promise<Record<string, number>> {
  return withNode("nb1", (_, nl, vx) => {
    const reqs = requests(peers(n), vx);
    const rate: Record<string, number> = {};
    for (const [kind, offset] of [["neigh", 0], ["fdb", 1], ["route", 2]] as const) {
      const t0 = performance.now();
      for (let i = offset; i < reqs.length; i += 3) nl.conn.exec(reqs[i]!);
      rate[kind] = Math.round(n / ((performance.now() - t0) / 1000));
    }
    return rate;
  });
}

/** Runs the benchmark and returns the figures (times in ms). */
export async function benchNetlink(n = 5000, runs = 5, parseInside = false) {
  const dir = await Deno.makeTempDir({ prefix: "nlbench" });
  const mine: OursRun[] = [], ipMs: number[] = [];
  try {
    for (let r = 0; r < runs; r++) {
      if (r % 2 === 0) {
        mine.push(await ours(n, parseInside));
        ipMs.push(await iproute2(n, dir));
      } else {
        ipMs.push(await iproute2(n, dir));
        mine.push(await ours(n, parseInside));
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const opsPerSec = await oneAtATime(n);
  const oursMs = mine.map((m) => m.ms);
  const ours_ = median(oursMs), ip = median(ipMs);
  return {
    entries: 3 * n,
    runs,
    oursMs,
    ipMs,
    medianOursMs: ours_,
    medianIpMs: ip,
    ratio: ours_ / ip,
    medianDumpMs: median(mine.map((m) => m.dumpMs)),
    rssAfterFirstProgrammingMiB: mine[0]!.rssMiB,
    opsPerSec,
    peakRssMiB: Math.round(procMemoryMiB("self").hwm),
  };
}

const flag = (name: string, fallback: number) => Number(argOpt(Deno.args, name, String(fallback)));

if (import.meta.main) {
  if (!isRoot) {
    console.error("netlink bench: needs root (it builds network namespaces)");
    Deno.exit(1);
  }
  const r = await benchNetlink(flag("n", 5000), flag("runs", 5), Deno.args.includes("--parse"));
  if (Deno.args.includes("--json")) console.log(JSON.stringify(r));
  else {
    const f = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(", ");
    console.log(`| ${r.entries} entries (median of ${r.runs}) | time |`);
    console.log(`|---|---|`);
    console.log(
      `| this layer (Rtnl.batch) | ${r.medianOursMs.toFixed(0)} ms (runs: ${f(r.oursMs)}) |`,
    );
    console.log(
      `| ip -batch + bridge -batch | ${r.medianIpMs.toFixed(0)} ms (runs: ${f(r.ipMs)}) |`,
    );
    console.log(`| ratio | ${r.ratio.toFixed(2)} |`);
    console.log(`dump + decode of the ${r.entries} entries: ${r.medianDumpMs.toFixed(0)} ms`);
    console.log(`RSS right after the first programming run: ${r.rssAfterFirstProgrammingMiB} MiB`);
    console.log(
      `one at a time, ACK each: ${JSON.stringify(r.opsPerSec)} ops/s; peak RSS ${r.peakRssMiB} MiB`,
    );
  }
}
