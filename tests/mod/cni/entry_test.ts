/**
 * The CNI path's module graph (what Deno loads for every CNI call): only our own small
 * modules — no npm packages (etcd3, client-node), no store/ or agent code. Read with
 * `deno info --json`, which follows dynamic imports too.
 */
import { assert, assertEquals } from "../../harness/assert.ts";

const ROOT = new URL("../../../", import.meta.url);

interface Info {
  modules: {
    specifier: string;
    dependencies?: { specifier: string; code?: { specifier: string }; isDynamic?: boolean }[];
  }[];
  npmPackages?: Record<string, unknown>;
}

async function info(entry: string): Promise<Info> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", new URL(entry, ROOT).pathname],
    cwd: ROOT.pathname,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(out.success, new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

const rel = (s: string) => s.replace(ROOT.href, "");

Deno.test("the CNI entry's module graph holds only CNI, netlink and core modules", async () => {
  const g = await info("mod/cni/entry.ts");
  const mods = g.modules.map((m) => rel(m.specifier));
  // (`npmPackages` lists the lockfile's whole snapshot; the graph itself is `modules`.)
  assertEquals(mods.filter((m) => !m.startsWith("mod/")), []);
  // mod/process: the one process runner (ipMasq's iptables, delegates), itself only errors.ts.
  const foreign = mods.filter((m) =>
    !/^mod\/(cni|netlink|ip|process\/run|config\/json_fields|errors|version)[/.]/.test(m)
  );
  assertEquals(foreign, []);
  assert(mods.includes("mod/cni/bridge/mod.ts"), "the in-process bridge is part of the graph");
  assert(mods.length < 80, `${mods.length} modules`);
});

Deno.test("main.ts reaches the CNI face without static imports of heavy modules", async () => {
  const g = await info("main.ts");
  const byName = new Map(g.modules.map((m) => [rel(m.specifier), m]));
  // Static (non-dynamic) closure from main.ts: what loads before the mode is known.
  const seen = new Set<string>();
  const walk = (s: string) => {
    if (seen.has(s)) return;
    seen.add(s);
    for (const d of byName.get(s)?.dependencies ?? []) {
      if (!d.isDynamic && d.code) walk(rel(d.code.specifier));
    }
  };
  walk("main.ts");
  assertEquals([...seen].filter((m) => m.startsWith("npm:") || m.startsWith("store/")), []);
  assert(seen.size <= 5, `main.ts statically loads ${[...seen].join(", ")}`);
  const dyn = byName.get("main.ts")!.dependencies!.filter((d) => d.isDynamic).map((d) =>
    d.specifier
  );
  assert(dyn.includes("./mod/cni/mod.ts"), dyn.join(", "));
});
