/**
 * A node switching CNI plugins with pods running: upstream's flannel plugin v1.1.2 (installed
 * as `flannel` in a CNI bin dir, delegating to /usr/lib/cni's bridge + host-local) and ours
 * on one host — one bridge `cni0`, one flannel data dir, one host-local store (per-test
 * directories). Pods added by either are CHECKed and DELeted by the other. (The Go bridge
 * against ours, without upstream's plugin in front: tests/netns/cni/interop_test.ts.)
 */
import { assert, assertEquals, assertNotEquals } from "../../harness/assert.ts";
import { installUpstreamCni } from "../../../scripts/lab/upstream.ts";
import {
  type Attach,
  type CniNode,
  exists,
  pings,
  SUBNET_ENV_V4,
  withNode,
} from "../cni/helpers.ts";
import { UPSTREAM, upstreamTestOpts } from "./setup.ts";

const opts = upstreamTestOpts("upstream CNI tests");

type Json = Record<string, unknown>;
const addressOf = (res: Json) => String((res.ips as { address: string }[])[0]!.address);

/** What an attachment leaves on the node: its state file, its address's owner, its veth. */
async function traces(node: CniNode, a: Attach, ip: string) {
  return {
    state: await exists(`${node.dir}/flannel/${a.id}`),
    address: await exists(`${node.dir}/ipam/cbr0/${ip.split("/")[0]}`),
    veths: (await a.pod.ipJson("link", "show", "type", "veth")).length,
  };
}

/** One switch round at CNI spec `version` (CHECK from 0.4.0 on). */
function round(version: string) {
  return withNode(SUBNET_ENV_V4, async (node) => {
    const conf = (extra: Json = {}) => node.conf({ cniVersion: version, ...extra });
    const cniPath = await installUpstreamCni(UPSTREAM!, `${node.dir}/bin`);
    const theirs = (cmd: string, a: Attach, c: Json = conf()) =>
      node.exec(`${node.dir}/bin/flannel`, cmd, a, c, { CNI_PATH: cniPath });
    const up: Attach = { pod: await node.pod(), id: "by-upstream" };
    const ours: Attach = { pod: await node.pod(), id: "by-ours" };

    const addUp = await theirs("ADD", up);
    assertEquals(addUp.code, 0, addUp.stdout + addUp.stderr);
    const addOurs = await node.flannel("ADD", ours, conf());
    assertEquals(addOurs.code, 0, addOurs.stdout + addOurs.stderr);
    const [ipUp, ipOurs] = [addressOf(addUp.json()), addressOf(addOurs.json())];
    assertNotEquals(ipUp, ipOurs, "one host-local store, two addresses");
    assert(await pings(up.pod, ipOurs.split("/")[0]!), "upstream's pod → our pod over cni0");
    assertEquals(
      await Deno.readTextFile(`${node.dir}/flannel/${ours.id}`),
      await Deno.readTextFile(`${node.dir}/flannel/${up.id}`),
      "the same delegate config in both state files",
    );

    if (version !== "0.3.1") {
      // CHECK crosswise, with the ADD result as prevResult (as a runtime sends it).
      const chkUp = await node.flannel("CHECK", up, conf({ prevResult: addUp.json() }));
      assertEquals([chkUp.code, chkUp.stdout], [0, ""], chkUp.stderr);
      const chkOurs = await theirs("CHECK", ours, conf({ prevResult: addOurs.json() }));
      assertEquals([chkOurs.code, chkOurs.stdout], [0, ""], chkOurs.stderr);
      // Ours really looks at upstream's attachment: a prevResult it does not match fails.
      const wrong = structuredClone(addUp.json()) as Json;
      (wrong.ips as { address: string }[])[0]!.address = "10.244.1.250/24";
      const bad = await node.flannel("CHECK", up, conf({ prevResult: wrong }));
      assertNotEquals(bad.code, 0, "CHECK against a wrong address must fail");
    }

    // DEL crosswise: everything of each attachment goes, the other one stays.
    const delUp = await node.flannel("DEL", up, conf());
    assertEquals([delUp.code, delUp.stdout], [0, ""], delUp.stderr);
    assertEquals(await traces(node, up, ipUp), { state: false, address: false, veths: 0 });
    assertEquals(await traces(node, ours, ipOurs), { state: true, address: true, veths: 1 });
    const delOurs = await theirs("DEL", ours);
    assertEquals(delOurs.code, 0, delOurs.stdout + delOurs.stderr);
    assertEquals(await traces(node, ours, ipOurs), { state: false, address: false, veths: 0 });
    assertEquals((await node.host.ipJson("link", "show", "type", "veth")).length, 0);
  });
}

Deno.test({
  ...opts,
  name: "CNI switch: upstream's plugin and ours add pods side by side and CHECK and DEL " +
    "each other's (one cni0, one state dir, one host-local store)",
  fn: async (t) => {
    // v1.1.2 speaks CNI up to 1.0.0.
    for (const version of ["0.3.1", "0.4.0", "1.0.0"]) {
      await t.step(version, () => round(version));
    }
  },
});
