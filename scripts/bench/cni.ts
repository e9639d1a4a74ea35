/**
 * CNI benchmark: what one pod's network set-up and tear-down cost, process start included.
 *
 *   deno run -A scripts/bench/cni.ts [--pods 24] [--extra 8] [--versions 15] [--json]
 *
 * One host namespace (where a runtime would call the plugin) and one namespace per pod. The
 * calls are made from a helper process running inside the host namespace (so no
 * `ip netns exec` per call), each timed from spawn to exit with stdin written and stdout read:
 * - ours: the plugin as `install-cni` installs it from source (one bundled file that execs
 *   deno on itself), with the stock flannel config (`delegate: {hairpinMode, isDefaultGateway}`)
 *   → in-process bridge + host-local;
 * - reference: `/usr/lib/cni/bridge` (which execs `/usr/lib/cni/host-local`) with exactly the
 *   delegate config flannel renders for that stock config — the Go chain minus the flannel
 *   binary itself, which is not installed here (so the reference is favoured by one process);
 * - for information, ours from source: `deno run entry.ts` (CNI-only graph) and `deno run
 *   main.ts` (the full program's graph, as a launcher of main.ts would run it).
 * ADDs alternate between the variants pod by pod (the order rotating each round), then the
 * DELs likewise; both share one bridge and one host-local store, as on a node switched from
 * one plugin to the other. Also: `CNI_COMMAND=VERSION` start-up of each form. Medians (and
 * p10/p90) are reported. Needs root; every namespace is deleted afterwards.
 */
import { parseArgs } from "node:util";
import { parseFlannelConf } from "../../mod/cni/flannel/conf.ts";
import { buildDelegate, serializeDelegate } from "../../mod/cni/flannel/delegate.ts";
import { parseSubnetEnv } from "../../mod/cni/flannel/subnet_env.ts";
import { bundledPlugin, bundleEntry, CNI_ENTRY } from "../../mod/cni/install.ts";
import { createNetns, isRoot, type Netns } from "../../tests/harness/netns.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const DENO = Deno.execPath();
const SUBNET_ENV =
  "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n";

interface Call {
  variant: string;
  argv: string[];
  env: Record<string, string>;
  stdin: string;
}
interface Timed {
  variant: string;
  ms: number;
  code: number;
  out: string;
}

/** Inside the host namespace: runs the calls in order, prints their timings as JSON. */
async function inner(planFile: string): Promise<void> {
  const calls: Call[] = JSON.parse(await Deno.readTextFile(planFile));
  const out: Timed[] = [];
  for (const c of calls) {
    const t0 = performance.now();
    const child = new Deno.Command(c.argv[0]!, {
      args: c.argv.slice(1),
      env: c.env,
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const w = child.stdin.getWriter();
    // VERSION does not read stdin: a closed pipe there is fine.
    await w.write(new TextEncoder().encode(c.stdin)).catch(() => {});
    await w.close().catch(() => {});
    const r = await child.output();
    const ms = performance.now() - t0;
    out.push({
      variant: c.variant,
      ms,
      code: r.code,
      out: r.code ? new TextDecoder().decode(r.stdout) : "",
    });
  }
  console.log(JSON.stringify(out));
}

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))]!;
  return { n: s.length, median: q(0.5), p10: q(0.1), p90: q(0.9) };
}

interface Variant {
  name: string;
  argv: string[];
  conf: string;
  pods: number;
}

function calls(cmd: string, vs: Variant[], pods: Map<string, Netns[]>): Call[] {
  const out: Call[] = [];
  const rounds = Math.max(...vs.map((v) => v.pods));
  for (let i = 0; i < rounds; i++) {
    const order = vs.map((_, k) => vs[(k + i) % vs.length]!).filter((v) => i < v.pods);
    for (const v of order) {
      const pod = pods.get(v.name)![i]!;
      out.push({
        variant: v.name,
        argv: v.argv,
        stdin: v.conf,
        env: {
          PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
          HOME: Deno.env.get("HOME") ?? "/root",
          CNI_COMMAND: cmd,
          CNI_CONTAINERID: `${cmd === "VERSION" ? "v" : ""}${vs.indexOf(v)}-${i}`,
          CNI_NETNS: pod.path,
          CNI_IFNAME: "eth0",
          CNI_PATH: "/usr/lib/cni",
        },
      });
    }
  }
  return out;
}

async function runInHost(host: Netns, dir: string, plan: Call[]): Promise<Timed[]> {
  await Deno.writeTextFile(`${dir}/plan.json`, JSON.stringify(plan));
  const r = await new Deno.Command("ip", {
    args: [
      "netns",
      "exec",
      host.name,
      DENO,
      "run",
      "-A",
      "--cached-only",
      `${ROOT}scripts/bench/cni.ts`,
      "--inner",
      `${dir}/plan.json`,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!r.success) throw new Error("bench helper failed");
  const timed: Timed[] = JSON.parse(new TextDecoder().decode(r.stdout));
  const bad = timed.find((t) => t.code !== 0);
  if (bad) throw new Error(`${bad.variant} failed: ${bad.out}`);
  return timed;
}

function table(title: string, timed: Timed[], base: string): string[] {
  const names = [...new Set(timed.map((t) => t.variant))];
  const ref = stats(timed.filter((t) => t.variant === base).map((t) => t.ms)).median;
  const lines = [
    `| ${title} | n | median | p10 | p90 | ratio to ${base} |`,
    "| --- | --- | --- | --- | --- | --- |",
  ];
  for (const n of names) {
    const s = stats(timed.filter((t) => t.variant === n).map((t) => t.ms));
    const f = (x: number) => `${x.toFixed(1)} ms`;
    lines.push(
      `| ${n} | ${s.n} | ${f(s.median)} | ${f(s.p10)} | ${f(s.p90)} | ${
        (s.median / ref).toFixed(2)
      } |`,
    );
  }
  return lines;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      pods: { type: "string", default: "24" },
      extra: { type: "string", default: "8" },
      versions: { type: "string", default: "15" },
      inner: { type: "string" },
    },
  });
  if (values.inner) return await inner(values.inner);
  if (!isRoot) throw new Error("The CNI benchmark needs root (network namespaces)");
  const dir = await Deno.makeTempDir({ prefix: "bench-cni-" });
  const made: Netns[] = [];
  try {
    await Deno.writeTextFile(`${dir}/subnet.env`, SUBNET_ENV);
    const bundle = await bundleEntry(DENO, CNI_ENTRY);
    if (bundle === null) throw new Error("deno bundle failed");
    await Deno.writeTextFile(`${dir}/flannel`, bundledPlugin(DENO, bundle), { mode: 0o755 });
    const flannelConf = {
      cniVersion: "0.3.1",
      name: "cbr0",
      type: "flannel",
      subnetFile: `${dir}/subnet.env`,
      dataDir: `${dir}/flannel-state`,
      delegate: { hairpinMode: true, isDefaultGateway: true },
      ipam: { dataDir: `${dir}/ipam` },
    };
    const delegate = JSON.parse(
      serializeDelegate(
        buildDelegate(parseFlannelConf(flannelConf), parseSubnetEnv(SUBNET_ENV, "subnet.env")),
      ),
    );
    const [pods, extra] = [Number(values.pods), Number(values.extra)];
    const vs: Variant[] = [
      {
        name: "reference bridge+host-local",
        argv: ["/usr/lib/cni/bridge"],
        conf: JSON.stringify(delegate),
        pods,
      },
      {
        name: "ours (installed bundle)",
        argv: [`${dir}/flannel`],
        conf: JSON.stringify(flannelConf),
        pods,
      },
      {
        name: "ours, deno run entry.ts",
        argv: [DENO, "run", "-A", "--cached-only", CNI_ENTRY],
        conf: JSON.stringify(flannelConf),
        pods: extra,
      },
      {
        name: "ours, deno run main.ts",
        argv: [DENO, "run", "-A", "--cached-only", `${ROOT}main.ts`],
        conf: JSON.stringify(flannelConf),
        pods: extra,
      },
    ];
    const host = await createNetns("bh");
    made.push(host);
    const podsOf = new Map<string, Netns[]>();
    for (const v of vs) {
      const list: Netns[] = [];
      for (let i = 0; i < v.pods; i++) list.push(await createNetns("bp"));
      made.push(...list);
      podsOf.set(v.name, list);
    }
    const adds = await runInHost(host, dir, calls("ADD", vs, podsOf));
    const dels = await runInHost(host, dir, calls("DEL", vs, podsOf));
    const vers = Number(values.versions);
    const versionCalls = calls(
      "VERSION",
      [
        { ...vs[0]!, pods: vers },
        { ...vs[1]!, pods: vers },
        { ...vs[3]!, pods: vers },
        {
          name: "deno run (empty script)",
          argv: [DENO, "run", "--no-config", `${dir}/empty.js`],
          conf: "",
          pods: vers,
        },
      ],
      new Map(
        [vs[0]!, vs[1]!, vs[3]!, { name: "deno run (empty script)" }].map((
          v,
        ) => [v.name, made.slice(1, 1 + vers)]),
      ),
    );
    await Deno.writeTextFile(`${dir}/empty.js`, "");
    const versions = await runInHost(host, dir, versionCalls);
    const load = (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
    console.log([
      `load average before: ${load}; pods: ${pods} per variant (${extra} for the source forms)`,
      "",
      ...table("ADD", adds, vs[0]!.name),
      "",
      ...table("DEL", dels, vs[0]!.name),
      "",
      ...table("VERSION (start-up)", versions, vs[0]!.name),
    ].join("\n"));
  } finally {
    for (const ns of made) await ns.delete();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) await main();
