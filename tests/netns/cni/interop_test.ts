/**
 * Against the reference plugins from /usr/lib/cni: the same delegate config through the
 * reference `bridge` (+ `host-local`) and through our in-process bridge gives results of the
 * same shape and the same kernel state; both allocate concurrently from one host-local store
 * without collisions; pods set up by the Go plugins are deleted by ours.
 */
import { assert, assertEquals } from "../../harness/assert.ts";
import { isRoot, type Netns, NOT_ROOT } from "../../../scripts/lab/netns.ts";
import {
  type CniNode,
  exists,
  pings,
  SUBNET_ENV_DUAL,
  SUBNET_ENV_V4,
  sysctl,
  withNode,
} from "./helpers.ts";

const BRIDGE = "/usr/lib/cni/bridge";
const hasReference = (() => {
  try {
    return Deno.statSync(BRIDGE).isFile && Deno.statSync("/usr/lib/cni/host-local").isFile;
  } catch {
    return false;
  }
})();
const ignore = !isRoot || !hasReference;
if (ignore) {
  console.warn(
    `CNI interop tests ignored: ${isRoot ? "no /usr/lib/cni reference plugins" : NOT_ROOT}`,
  );
}

type Json = Record<string, unknown>;

/** The delegate config our flannel rendered for an attachment (the scratch file). */
async function rendered(node: CniNode, id: string): Promise<Json> {
  return JSON.parse(await Deno.readTextFile(`${node.dir}/flannel/${id}`));
}

const DROP =
  /timer|^(ifindex|link_index|link_netnsid|address|broadcast|permaddr|bridge_id|root_id|id|no|port_id|port_no|designated_.*|altnames|stats.*|ifname|gso_.*|gro_.*|tso_.*)$/;

/** Recursively drops names, MACs, indexes and timers; keeps everything else. */
function norm(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(norm);
  if (v === null || typeof v !== "object") return v;
  const out: Json = {};
  for (const [k, x] of Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) {
    if (!DROP.test(k)) out[k] = norm(x);
  }
  return out;
}

/** What the kernel holds for a pod and its host side, names and MACs aside. */
async function kernelState(host: Netns, pod: Netns, hostVeth: string) {
  const globalOnly = (a: { addr_info: { scope: string }[] }) => ({
    ...a,
    addr_info: a.addr_info.filter((i) => i.scope !== "link"),
  });
  const routes = async (ns: Netns, fam: string) =>
    (await ns.ipJson<Json[]>(fam, "route", "show")).filter((r) => !String(r.dst).startsWith("fe80"))
      .map((r) => norm({ ...r, dev: r.dev === "eth0" ? "eth0" : "other" }))
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return {
    podLink: norm(await pod.ipJson("-d", "link", "show", "eth0")),
    podAddr: norm(
      (await pod.ipJson<{ addr_info: { scope: string }[] }[]>("addr", "show", "eth0")).map(
        globalOnly,
      ),
    ),
    podRoutes4: await routes(pod, "-4"),
    podRoutes6: await routes(pod, "-6"),
    bridge: norm(await host.ipJson("-d", "link", "show", "cni0")),
    bridgeAddr: norm(
      (await host.ipJson<{ addr_info: { scope: string }[] }[]>("addr", "show", "cni0")).map(
        globalOnly,
      ),
    ),
    hostVeth: norm(await host.ipJson("-d", "link", "show", hostVeth)),
    sysctls: [
      await sysctl(host, "net/ipv4/ip_forward"),
      await sysctl(host, "net/ipv6/conf/all/forwarding"),
      await sysctl(host, "net/ipv6/conf/cni0/accept_ra"),
      await sysctl(host, `net/ipv6/conf/${hostVeth}/accept_ra`),
      await sysctl(pod, "net/ipv6/conf/eth0/accept_dad"),
      await sysctl(pod, "net/ipv4/conf/eth0/arp_notify"),
    ],
  };
}

/** A result with veth names and MACs masked, empty `dns` dropped (older Go libraries print it). */
function shape(res: Json): Json {
  const out = JSON.parse(JSON.stringify(res)) as Json;
  for (const i of (out.interfaces as Json[] | undefined) ?? []) {
    if (typeof i.mac === "string") i.mac = "mac";
    if (String(i.name).startsWith("veth")) i.name = "veth";
    if (typeof i.sandbox === "string") i.sandbox = "sandbox";
  }
  if (out.dns && Object.keys(out.dns).length === 0) delete out.dns;
  return out;
}

Deno.test({
  name: "differential: the reference bridge and ours give the same result shape and kernel state",
  ignore,
  fn: async (t) => {
    for (const version of ["0.1.0", "0.3.1", "0.4.0", "1.0.0"]) {
      await t.step(version, async () => {
        let ours: { res: Json; state: unknown } | undefined;
        await withNode(SUBNET_ENV_DUAL, async (node) => {
          const pod = await node.pod();
          const r = await node.flannel(
            "ADD",
            { pod, id: "diff" },
            node.conf({ cniVersion: version }),
          );
          assertEquals(r.code, 0, r.stdout);
          const veth =
            (await node.host.ipJson<{ ifname: string }[]>("link", "show", "type", "veth"))[0]!
              .ifname;
          ours = { res: r.json(), state: await kernelState(node.host, pod, veth) };
          // Same delegate config, now through the reference binary on a fresh node.
          const conf = await rendered(node, "diff");
          await withNode(SUBNET_ENV_DUAL, async (ref) => {
            const rpod = await ref.pod();
            (conf.ipam as Json).dataDir = `${ref.dir}/ipam`;
            const rr = await ref.exec(BRIDGE, "ADD", { pod: rpod, id: "diff" }, conf);
            assertEquals(rr.code, 0, rr.stdout);
            const rveth =
              (await ref.host.ipJson<{ ifname: string }[]>("link", "show", "type", "veth"))[0]!
                .ifname;
            assertEquals(shape(ours!.res), shape(rr.json()));
            assertEquals(ours!.state, await kernelState(ref.host, rpod, rveth));
            assertEquals((await ref.exec(BRIDGE, "DEL", { pod: rpod, id: "diff" }, conf)).code, 0);
          });
        });
      });
    }
  },
});

Deno.test({
  name: "ours and the reference host-local allocate concurrently from one store without collisions",
  ignore,
  fn: () =>
    withNode(SUBNET_ENV_V4, async (node) => {
      const first = { pod: await node.pod(), id: "seed" };
      assertEquals((await node.flannel("ADD", first)).code, 0);
      const conf = await rendered(node, "seed");
      const N = 8;
      const pods = await Promise.all(Array.from({ length: 2 * N }, () => node.pod()));
      const calls = pods.map((pod, i) =>
        i % 2 === 0
          ? node.flannel("ADD", { pod, id: `ours-${i}` })
          : node.exec(BRIDGE, "ADD", { pod, id: `ref-${i}` }, conf)
      );
      const results = await Promise.all(calls);
      for (const r of results) assertEquals(r.code, 0, r.stdout + r.stderr);
      const addrs = results.map((r) =>
        (r.json().ips ?? [{ address: r.json().ip4?.ip }])[0].address
      );
      assertEquals(new Set([...addrs, "10.244.1.2/24"]).size, 2 * N + 1, addrs.join(" "));
      const owners = [...Deno.readDirSync(`${node.dir}/ipam/cbr0`)].filter((e) =>
        e.name.startsWith("10.")
      );
      assertEquals(owners.length, 2 * N + 1);
      // A pod set up by the Go plugin talks to one set up by ours over the shared bridge.
      assert(await pings(pods[1]!, addrs[0]!.split("/")[0]!), "reference pod → our pod");
    }),
});

Deno.test({
  name: "a node switched from the Go plugin: ours deletes pods the Go plugin added",
  ignore,
  fn: () =>
    withNode(SUBNET_ENV_V4, async (node) => {
      const seed = { pod: await node.pod(), id: "seed" };
      assertEquals((await node.flannel("ADD", seed)).code, 0);
      const bytes = await Deno.readTextFile(`${node.dir}/flannel/seed`);
      // What the Go flannel plugin does on ADD: write <dataDir>/<id>, run the Go bridge.
      const old = { pod: await node.pod(), id: "from-go" };
      await Deno.writeTextFile(`${node.dir}/flannel/from-go`, bytes, { mode: 0o600 });
      const add = await node.exec(BRIDGE, "ADD", old, JSON.parse(bytes));
      assertEquals(add.code, 0, add.stdout);
      const ip = add.json().ips[0].address.split("/")[0];
      assertEquals(await Deno.readTextFile(`${node.dir}/ipam/cbr0/${ip}`), "from-go\r\neth0");
      const del = await node.flannel("DEL", old);
      assertEquals([del.code, del.stdout], [0, ""]);
      assertEquals((await old.pod.ipJson("link", "show", "type", "veth")).length, 0);
      assert(!(await exists(`${node.dir}/ipam/cbr0/${ip}`)));
      assert(!(await exists(`${node.dir}/flannel/from-go`)));
      // And back: the Go bridge deletes what ours added, from the state file ours wrote.
      const back = await node.exec(BRIDGE, "DEL", seed, JSON.parse(bytes));
      assertEquals(back.code, 0, back.stdout);
      assertEquals((await seed.pod.ipJson("link", "show", "type", "veth")).length, 0);
    }),
});
