/** CHECK, GC, two interfaces, masquerade and the installed plugin, in namespaces. */
import { DatabaseSync } from "node:sqlite";
import { assert, assertEquals, assertStringIncludes } from "../../harness/assert.ts";
import { isRoot, NOT_ROOT } from "../../../scripts/lab/netns.ts";
import { exists, natRules, runIn, SUBNET_ENV_V4, withNode } from "./helpers.ts";

const ignore = !isRoot;
if (ignore) console.warn(`CNI lifecycle tests ignored: ${NOT_ROOT}`);

/** True when Deno's code cache in `denoDir` (its Deno 2.9 sqlite layout) holds `specifier`. */
function codeCached(denoDir: string, specifier: string): boolean {
  const db = new DatabaseSync(`${denoDir}/v8_code_cache_v2`, { readOnly: true });
  try {
    return db.prepare("SELECT 1 FROM codecache WHERE specifier = ?").get(specifier) !== undefined;
  } finally {
    db.close();
  }
}

Deno.test({
  name: "CHECK verifies interface, addresses and routes against prevResult",
  ignore,
  fn: () =>
    withNode(SUBNET_ENV_V4, async (node) => {
      const a = { pod: await node.pod(), id: "a" };
      const prev = (await node.flannel("ADD", a)).json();
      const check = () => node.flannel("CHECK", a, node.conf({ prevResult: prev }));
      assertEquals((await check()).code, 0);
      await a.pod.ip("route", "del", "10.244.0.0/16");
      assertEquals(
        (await check()).json().msg,
        "Route 10.244.0.0/16 via 10.244.1.1 is missing in the pod",
      );
      await a.pod.ip("addr", "del", "10.244.1.2/24", "dev", "eth0");
      assertEquals((await check()).json().msg, 'Address 10.244.1.2/24 is missing on "eth0"');
      await Deno.remove(`${node.dir}/ipam/cbr0/10.244.1.2`);
      assertEquals(
        (await check()).json().msg,
        "host-local: Failed to find address added by container a",
      );
      assertEquals(
        (await node.flannel("CHECK", a, node.conf({ cniVersion: "0.3.1" }))).json().code,
        1,
      );
    }),
});

Deno.test({
  name: "two interfaces in one container have separate state and both are released",
  ignore,
  fn: () =>
    withNode(SUBNET_ENV_V4, async (node) => {
      const pod = await node.pod();
      const eth0 = { pod, id: "multi" }, net1 = { pod, id: "multi", ifname: "net1" };
      assertEquals((await node.flannel("ADD", eth0)).json().ips[0].address, "10.244.1.2/24");
      assertEquals((await node.flannel("ADD", net1)).json().ips[0].address, "10.244.1.3/24");
      assert(await exists(`${node.dir}/flannel/multi`));
      assert(await exists(`${node.dir}/flannel/multi@net1`));
      assertEquals((await node.flannel("DEL", eth0)).code, 0);
      assertEquals((await node.flannel("DEL", net1)).code, 0);
      assertEquals((await pod.ipJson("link", "show", "type", "veth")).length, 0);
      const left = [...Deno.readDirSync(`${node.dir}/ipam/cbr0`)].filter((e) =>
        e.name.startsWith("10.")
      );
      assertEquals(left.length, 0, "the reference leaks net1's address here (spec §2.9 Q1)");
    }),
});

Deno.test({
  name: "GC releases the addresses and state of attachments not listed as valid",
  ignore,
  fn: () =>
    withNode(SUBNET_ENV_V4, async (node) => {
      const keep = { pod: await node.pod(), id: "keep" },
        gone = { pod: await node.pod(), id: "gone" };
      assertEquals((await node.flannel("ADD", keep)).code, 0);
      assertEquals((await node.flannel("ADD", gone)).code, 0);
      await gone.pod.delete(); // the runtime lost it; its veth went with the netns
      const gc = await node.flannel(
        "GC",
        null,
        node.conf({
          cniVersion: "1.1.0",
          "cni.dev/valid-attachments": [{ containerID: "keep", ifname: "eth0" }],
        }),
      );
      assertEquals([gc.code, gc.stdout], [0, ""], gc.stderr);
      assert(await exists(`${node.dir}/ipam/cbr0/10.244.1.2`));
      assert(!(await exists(`${node.dir}/ipam/cbr0/10.244.1.3`)));
      assert(await exists(`${node.dir}/flannel/keep`));
      assert(!(await exists(`${node.dir}/flannel/gone`)));
      const status = await node.flannel("STATUS", null, node.conf({ cniVersion: "1.1.0" }));
      assertEquals(status.code, 0);
    }),
});

Deno.test({
  name: "ipMasq rules match the reference's and go away on DEL, even after the netns",
  ignore,
  fn: () =>
    withNode(SUBNET_ENV_V4.replace("IPMASQ=true", "IPMASQ=false"), async (node) => {
      const a = { pod: await node.pod(), id: "masq" };
      assertEquals((await node.flannel("ADD", a)).code, 0);
      const ours = await natRules(node.host);
      assertEquals(ours.length, 4);
      const conf = JSON.parse(await Deno.readTextFile(`${node.dir}/flannel/masq`));
      assertEquals(conf.ipMasq, true);
      assertEquals((await node.flannel("DEL", a)).code, 0);
      assertEquals(await natRules(node.host), []);
      // The Go flannel plugin (its state file, then the reference bridge; same network and
      // container id) installs the same rules.
      const b = { pod: await node.pod(), id: "masq" };
      await Deno.writeTextFile(`${node.dir}/flannel/masq`, JSON.stringify(conf));
      const ref = await node.exec("/usr/lib/cni/bridge", "ADD", b, conf);
      assertEquals(ref.code, 0, ref.stdout);
      assertEquals(
        await natRules(node.host),
        ours.map((r) => r.replace("10.244.1.2", "10.244.1.3")),
      );
      // Netns removed before DEL: the rules still go (the reference leaves them).
      await b.pod.delete();
      assertEquals((await node.flannel("DEL", b)).code, 0);
      assertEquals(await natRules(node.host), []);
    }),
});

Deno.test({
  name: "install-cni installs a working plugin and the stock conflist",
  ignore,
  fn: () =>
    withNode(SUBNET_ENV_V4, async (node) => {
      const bin = `${node.dir}/bin`, dest = `${node.dir}/net.d/10-flannel.conflist`;
      const root = new URL("../../../", import.meta.url).pathname;
      const install = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", `${root}main.ts`, "install-cni", "--bin-dir", bin, "--conf-dest", dest],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assertEquals(install.code, 0, new TextDecoder().decode(install.stderr));
      assertEquals(JSON.parse(await Deno.readTextFile(dest)).plugins[0].type, "flannel");
      assertEquals((await Deno.stat(`${bin}/flannel`)).mode! & 0o777, 0o755);
      const a = { pod: await node.pod(), id: "inst" };
      // A DENO_DIR of its own: the first call must leave the plugin's code cache there.
      const denoDir = { DENO_DIR: `${node.dir}/deno_dir` };
      const add = await runIn(
        node.host,
        [`${bin}/flannel`],
        node.env("ADD", a, denoDir),
        JSON.stringify(node.conf()),
      );
      assertEquals(add.code, 0, add.stdout + add.stderr);
      assertEquals(add.json().ips[0].address, "10.244.1.2/24");
      assertEquals(codeCached(`${node.dir}/deno_dir`, `file://${bin}/flannel`), true);
      const del = await runIn(
        node.host,
        [`${bin}/flannel`],
        node.env("DEL", a, denoDir),
        JSON.stringify(node.conf()),
      );
      assertEquals(del.code, 0, del.stdout);
      const about = await runIn(node.host, [`${bin}/flannel`], {}, "");
      assertStringIncludes(about.stderr, "CNI Plugin flannel version");
    }),
});
