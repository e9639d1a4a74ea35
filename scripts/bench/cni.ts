/**
 * CNI benchmark: what one pod's network set-up and tear-down cost, process start included.
 *
 *   deno run -A scripts/bench/cni.ts [--pods 24] [--extra 8] [--versions 15] [--runs 1]
 *                                    [--launcher] [--baseline PLUGIN]
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
 * - for information: the same bundle with `FLANNEL_CNI_TRACE=1` (its phases are tabulated:
 *   where an ADD and a DEL spend their time), `deno run entry.ts` as the source-tree launcher
 *   runs it, with `--launcher` the self-extracting launcher of `deno task compile` called
 *   as `flannel`, and with `--baseline` another installed plugin file (e.g. an older build's
 *   bundle) timed alongside as "baseline".
 * Before timing, each of our forms answers two VERSION calls: the first stores its V8 code
 * cache, as the first pod on a node does. ADDs alternate between the variants pod by pod (the
 * order rotating each round), then the DELs likewise; all share one bridge and one host-local
 * store, as on a node switched from one plugin to the other. Also: `CNI_COMMAND=VERSION`
 * start-up of each form and of an empty script. Medians (and p10/p90); with `--runs N` the
 * whole set N times and the median of the runs. Needs root; every namespace is deleted.
 */
import { parseArgs } from "node:util";
import { parseFlannelConf } from "../../mod/cni/flannel/conf.ts";
import { buildDelegate, serializeDelegate } from "../../mod/cni/flannel/delegate.ts";
import { parseSubnetEnv } from "../../mod/cni/flannel/subnet_env.ts";
import { bundledPlugin, bundleEntry, CNI_ENTRY, sourceLauncher } from "../../mod/cni/install.ts";
import { createNetns, isRoot, type Netns } from "../lab/netns.ts";
import { type Call, phaseTable, stats, table, timeCalls, type Timed } from "./cni_calls.ts";
import { buildLauncher } from "../compile.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const DENO = Deno.execPath();
const SUBNET_ENV =
  "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n";
const WARM_UP = "warm-up";
const REF = "reference bridge+host-local";
const OURS = "ours (installed bundle)";
const TRACED = "ours, traced";

interface Variant {
  name: string;
  argv: string[];
  conf: string;
  pods: number;
  env?: Record<string, string>;
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
          ...v.env,
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
  return timed.filter((t) => t.variant !== WARM_UP);
}

interface Setup {
  dir: string;
  vs: Variant[];
  versionVs: Variant[];
}

/** Writes subnet.env, the installed bundle (and the launcher), and the variants to time. */
async function setup(
  dir: string,
  pods: number,
  extra: number,
  launcher: boolean,
  baseline: string | undefined,
): Promise<Setup> {
  await Deno.writeTextFile(`${dir}/subnet.env`, SUBNET_ENV);
  const bundle = await bundleEntry(DENO, CNI_ENTRY);
  if (bundle === null) throw new Error("deno bundle failed");
  await Deno.writeTextFile(`${dir}/flannel`, bundledPlugin(DENO, bundle), { mode: 0o755 });
  await Deno.writeTextFile(`${dir}/source-launcher`, sourceLauncher(DENO, CNI_ENTRY), {
    mode: 0o755,
  });
  const flannelConf = {
    cniVersion: "0.3.1",
    name: "cbr0",
    type: "flannel",
    subnetFile: `${dir}/subnet.env`,
    dataDir: `${dir}/flannel-state`,
    delegate: { hairpinMode: true, isDefaultGateway: true },
    ipam: { dataDir: `${dir}/ipam` },
  };
  const net = parseSubnetEnv(SUBNET_ENV, "subnet.env");
  const delegate = serializeDelegate(buildDelegate(parseFlannelConf(flannelConf), net));
  const conf = JSON.stringify(flannelConf);
  const vs: Variant[] = [
    { name: REF, argv: ["/usr/lib/cni/bridge"], conf: JSON.stringify(JSON.parse(delegate)), pods },
    { name: OURS, argv: [`${dir}/flannel`], conf, pods },
    { name: TRACED, argv: [`${dir}/flannel`], conf, pods: extra, env: { FLANNEL_CNI_TRACE: "1" } },
    { name: "ours, deno run entry.ts", argv: [`${dir}/source-launcher`], conf, pods: extra },
  ];
  if (baseline) vs.splice(2, 0, { name: "baseline", argv: [baseline], conf, pods });
  if (launcher) {
    // Installed under its CNI name, as install-cni copies the launcher to /opt/cni/bin/flannel.
    await Deno.mkdir(`${dir}/flannel-launcher`);
    await buildLauncher(`${dir}/flannel-launcher/flannel`);
    vs.push({
      name: "ours, launcher as `flannel`",
      argv: [`${dir}/flannel-launcher/flannel`],
      conf,
      pods: extra,
      env: { FLANNEL_LAUNCHER_DIR: `${dir}/launcher-cache` },
    });
  }
  await Deno.writeTextFile(`${dir}/empty.js`, "");
  const versionVs: Variant[] = [
    ...vs.filter((v) => v.name !== TRACED && !v.name.includes("entry.ts")),
    {
      name: "ours, deno run main.ts",
      argv: [DENO, "run", "-A", "--cached-only", `${ROOT}main.ts`],
      conf: "",
      pods: 0,
    },
    {
      name: "deno run (empty script)",
      argv: [DENO, "run", "--no-config", `${dir}/empty.js`],
      conf: "",
      pods: 0,
    },
  ];
  return { dir, vs, versionVs };
}

/** One full run: fresh namespaces, warm-up, ADDs, DELs, VERSIONs; returns its report. */
async function oneRun(s: Setup, versions: number) {
  const made: Netns[] = [];
  try {
    const host = await createNetns("bh");
    made.push(host);
    const podsOf = new Map<string, Netns[]>();
    for (const v of s.vs) {
      const list: Netns[] = [];
      for (let i = 0; i < v.pods; i++) list.push(await createNetns("bp"));
      made.push(...list);
      podsOf.set(v.name, list);
    }
    const ours = s.vs.slice(1).filter((v, i, a) =>
      a.findIndex((x) => x.argv[0] === v.argv[0]) === i
    );
    const warm = ours.flatMap((v) => [v, v]).map((v): Call => ({
      variant: WARM_UP,
      argv: v.argv,
      stdin: "",
      env: { CNI_COMMAND: "VERSION", PATH: "/usr/bin:/bin", ...v.env },
    }));
    const adds = await runInHost(host, s.dir, [...warm, ...calls("ADD", s.vs, podsOf)]);
    const dels = await runInHost(host, s.dir, calls("DEL", s.vs, podsOf));
    const vv = s.versionVs.map((v) => ({ ...v, pods: versions }));
    const pods = made.slice(1, 1 + versions);
    const vers = await runInHost(
      host,
      s.dir,
      calls("VERSION", vv, new Map(vv.map((v) => [v.name, pods]))),
    );
    return { adds, dels, vers };
  } finally {
    for (const ns of made) await ns.delete();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      pods: { type: "string", default: "24" },
      extra: { type: "string", default: "8" },
      versions: { type: "string", default: "15" },
      runs: { type: "string", default: "1" },
      launcher: { type: "boolean", default: false },
      baseline: { type: "string" },
      inner: { type: "string" },
    },
  });
  if (values.inner) {
    const plan: Call[] = JSON.parse(await Deno.readTextFile(values.inner));
    return console.log(JSON.stringify(await timeCalls(plan)));
  }
  if (!isRoot) throw new Error("The CNI benchmark needs root (network namespaces)");
  const dir = await Deno.makeTempDir({ prefix: "bench-cni-" });
  try {
    const s = await setup(
      dir,
      Number(values.pods),
      Number(values.extra),
      values.launcher,
      values.baseline,
    );
    const summary = new Map<string, number[]>();
    for (let run = 1; run <= Number(values.runs); run++) {
      const load = (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
      const { adds, dels, vers } = await oneRun(s, Number(values.versions));
      const out = [`## run ${run} (load average before: ${load})`, ""];
      for (const [title, timed] of [["ADD", adds], ["DEL", dels], ["VERSION", vers]] as const) {
        const t = table(title, timed, REF);
        out.push(...t.lines, "");
        for (const [n, m] of t.medians) {
          summary.set(`${title} ${n}`, [...(summary.get(`${title} ${n}`) ?? []), m]);
        }
      }
      out.push(...phaseTable("ADD phases (traced)", adds.filter((t) => t.variant === TRACED)), "");
      out.push(...phaseTable("DEL phases (traced)", dels.filter((t) => t.variant === TRACED)), "");
      console.log(out.join("\n"));
    }
    console.log("## median of the runs' medians\n");
    for (const [k, ms] of summary) {
      console.log(
        `- ${k}: ${stats(ms).median.toFixed(1)} ms (${ms.map((m) => m.toFixed(1)).join(", ")})`,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) await main();
