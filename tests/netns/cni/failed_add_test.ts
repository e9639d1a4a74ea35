/**
 * DEL after a failed ADD, in namespaces with the real plugin process (issue 14.5): the fuzz
 * categories whose DEL failed forever, what the Go plugin leaves after such an ADD (its state
 * file and the reference bridge's half-made veth), a corrupt state with a live pod, and an
 * in-process ADD that fails late and must undo its veth and address.
 */
import { assert, assertEquals, assertStringIncludes } from "../../harness/assert.ts";
import { isRoot, type Netns, NOT_ROOT } from "../../../scripts/lab/netns.ts";
import { type Attach, type CniNode, exists, natRules, SUBNET_ENV_V4, withNode } from "./helpers.ts";

const BRIDGE = "/usr/lib/cni/bridge";
const hasReference = (() => {
  try {
    return Deno.statSync(BRIDGE).isFile;
  } catch {
    return false;
  }
})();
const ignore = !isRoot || !hasReference;
if (ignore) {
  console.warn(`CNI failed-ADD tests ignored: ${isRoot ? "no /usr/lib/cni/bridge" : NOT_ROOT}`);
}

/** Interface names in a namespace. */
async function links(ns: Netns): Promise<string[]> {
  return (await ns.ipJson<{ ifname: string }[]>("link", "show")).map((l) => l.ifname).sort();
}

/** Addresses recorded in the node's host-local store. */
function stored(node: CniNode): string[] {
  try {
    return [...Deno.readDirSync(`${node.dir}/ipam/cbr0`)].map((e) => e.name).filter((n) =>
      /^[0-9a-f.:]+$/.test(n)
    );
  } catch {
    return [];
  }
}

/** Files in the node's flannel state dir (missing dir = none). */
function states(node: CniNode): string[] {
  try {
    return [...Deno.readDirSync(`${node.dir}/flannel`)].map((e) => e.name);
  } catch {
    return [];
  }
}

/** DEL twice: both succeed with no output (the runtime's first try and a retry). */
async function delTwice(node: CniNode, a: Attach, conf = node.conf(), env = {}) {
  for (let i = 0; i < 2; i++) {
    const del = await node.flannel("DEL", a, conf, env);
    assertEquals([del.code, del.stdout], [0, ""], `DEL ${i}: ${del.stderr}`);
  }
}

const V4_31 = SUBNET_ENV_V4.replace("10.244.1.1/24", "10.244.1.0/31");
const V4_32 = SUBNET_ENV_V4.replace("10.244.1.1/24", "10.244.1.1/32");

Deno.test({
  name: "a refused or failed ADD leaves no veth, address or state, and DEL succeeds",
  ignore,
  fn: () =>
    withNode(SUBNET_ENV_V4, async (node) => {
      const cases: [string, string, Record<string, unknown>, Record<string, string>, string][] = [
        ["mtu", SUBNET_ENV_V4, { delegate: { mtu: "1400" } }, {}, "NetConf.mtu of type int"],
        ["s31", V4_31, {}, {}, "Network 10.244.1.0/31 too small to allocate from"],
        ["s32", V4_32, {}, {}, "Network 10.244.1.1/32 too small to allocate from"],
        ["ipam", SUBNET_ENV_V4, { ipam: { type: "nosuch" } }, {}, 'plugin "nosuch"'],
        ["dlg", SUBNET_ENV_V4, { delegate: { type: "nosuch" } }, {}, 'plugin "nosuch"'],
        ["lo", SUBNET_ENV_V4, {}, { CNI_IFNAME: "lo" }, "(lo) already exists"],
        // A store path through a file: no address can ever be held there.
        [
          "file",
          SUBNET_ENV_V4,
          { ipam: { dataDir: `${node.dir}/subnet.env/x` } },
          {},
          "subnet.env/x/cbr0: not a directory",
        ],
      ];
      for (const [id, subnetEnv, extra, env, msg] of cases) {
        await Deno.writeTextFile(`${node.dir}/subnet.env`, subnetEnv);
        const a = { pod: await node.pod(), id, ...(env.CNI_IFNAME ? { ifname: "lo" } : {}) };
        const conf = node.conf(extra);
        const add = await node.flannel("ADD", a, conf, env);
        assertEquals(add.code, 1, id);
        assertStringIncludes(add.json().msg, msg);
        assertEquals(await links(a.pod), ["lo"], `${id}: no half-made veth in the pod`);
        assertEquals(stored(node), [], `${id}: no address held`);
        assertEquals(states(node), [], `${id}: no state`);
        await delTwice(node, a, conf, env);
      }
      const lo = await node.pods.at(-1)!.ipJson<{ operstate: string }[]>("link", "show", "lo");
      assertEquals(lo.length, 1, "lo untouched");
    }),
});

Deno.test({
  name: "DEL cleans up what the Go plugin leaves after a failed ADD (state file, half-made veth)",
  ignore,
  fn: () =>
    withNode(SUBNET_ENV_V4, async (node) => {
      const seed = { pod: await node.pod(), id: "seed" };
      assertEquals((await node.flannel("ADD", seed)).code, 0);
      const good = JSON.parse(await Deno.readTextFile(`${node.dir}/flannel/seed`));
      const variants: [string, Record<string, unknown>, string][] = [
        [
          "g31",
          { ...good, ipam: { ...good.ipam, ranges: [[{ subnet: "10.244.1.0/31" }]] } },
          "eth0",
        ],
        ["gipam", { ...good, ipam: { type: "nosuch" } }, "eth0"],
        ["gfile", { ...good, ipam: { ...good.ipam, dataDir: `${node.dir}/subnet.env/x` } }, "eth0"],
        ["glo", good, "lo"],
      ];
      for (const [id, conf, ifname] of variants) {
        // The Go flannel plugin: write <dataDir>/<id>[@ifname], run the Go bridge; it fails.
        const a = { pod: await node.pod(), id, ifname };
        const file = ifname === "eth0" ? id : `${id}@${ifname}`;
        await Deno.writeTextFile(`${node.dir}/flannel/${file}`, JSON.stringify(conf));
        const ref = await node.exec(BRIDGE, "ADD", a, conf, { CNI_IFNAME: ifname });
        assertEquals(ref.code, 1, ref.stdout);
        const expectVeth = ifname === "eth0"; // the reference leaves its veth, down
        assertEquals(await links(a.pod), expectVeth ? ["eth0", "lo"] : ["lo"], id);
        await delTwice(node, a, node.conf(), { CNI_IFNAME: ifname });
        assertEquals(await links(a.pod), ["lo"], `${id}: veth gone, lo kept`);
        assert(!(await exists(`${node.dir}/flannel/${file}`)), `${id}: state removed`);
      }
      assertEquals(stored(node), ["10.244.1.2"], "only the seed's address is held");
    }),
});

Deno.test({
  name: "DEL of a corrupt state frees the pod's veth, address and masquerade rules with defaults",
  ignore,
  fn: () =>
    withNode(SUBNET_ENV_V4.replace("IPMASQ=true", "IPMASQ=false"), async (node) => {
      const a = { pod: await node.pod(), id: "torn" };
      assertEquals((await node.flannel("ADD", a)).code, 0);
      assertEquals(stored(node), ["10.244.1.2"]);
      assertEquals((await natRules(node.host)).length, 4);
      // A torn write (disk full): upstream answers success and leaves everything (§2.9 Q3).
      await Deno.writeTextFile(`${node.dir}/flannel/torn`, '{"cniVersion":"1.0.0","hairp');
      const del = await node.flannel("DEL", a);
      assertEquals([del.code, del.stdout], [0, ""]);
      assertStringIncludes(del.stderr, "cleaning up with defaults");
      assertEquals(await links(a.pod), ["lo"]);
      assertEquals(stored(node), []);
      assertEquals(await natRules(node.host), []);
      assert(!(await exists(`${node.dir}/flannel/torn`)));
    }),
});

Deno.test({
  name: "DEL with CNI_NETNS no longer a namespace (unmounted) still frees the address",
  ignore,
  fn: () =>
    withNode(SUBNET_ENV_V4, async (node) => {
      const a = { pod: await node.pod(), id: "unmounted" };
      assertEquals((await node.flannel("ADD", a)).code, 0);
      const left = `${node.dir}/netns-file`; // what stays at the path of an unmounted netns
      await Deno.writeTextFile(left, "");
      await delTwice(node, a, node.conf(), { CNI_NETNS: left });
      assertEquals(stored(node), []);
      assert(!(await exists(`${node.dir}/flannel/unmounted`)));
    }),
});

Deno.test({
  name: "an in-process ADD failing after IPAM undoes its veth and address, and keeps no state",
  ignore,
  fn: () =>
    withNode(SUBNET_ENV_V4, async (node) => {
      // A bridge with another address: the gateway step fails, after the veth and the IP.
      await node.host.ip("link", "add", "cni0", "type", "bridge");
      await node.host.ip("addr", "add", "10.99.0.1/24", "dev", "cni0");
      const a = { pod: await node.pod(), id: "late" };
      const add = await node.flannel("ADD", a);
      assertEquals(
        add.json().msg,
        'failed to set bridge addr: "cni0" already has an IP address different from 10.244.1.1/24',
      );
      assertEquals(await links(a.pod), ["lo"], "the veth is undone (the reference leaves it)");
      const hostVeths = await node.host.ipJson("link", "show", "type", "veth");
      assertEquals(hostVeths.length, 0);
      assertEquals(stored(node), []);
      assert(!(await exists(`${node.dir}/flannel/late`)));
      await delTwice(node, a);
    }),
});
