/**
 * The lifecycle cases of flannel's own `flannel_linux_test.go` (spec/cni.md §2.10 A), run
 * against this plugin with its in-process bridge: config without `cniVersion` (so results
 * come back in the 0.1.0 `ip4`/`ip6` shape), ADD → scratch file equals the expected delegate
 * config → N addresses → DEL → file gone → DEL again.
 */
import { assert, assertEquals } from "../../harness/assert.ts";
import { isRoot, NOT_ROOT } from "../../../scripts/lab/netns.ts";
import { SCRATCH, SUBNET_ENV } from "../../mod/cni/flannel/vectors.ts";
import { exists, withNode } from "./helpers.ts";

const ignore = !isRoot;
if (ignore) console.warn(`CNI vector tests ignored: ${NOT_ROOT}`);

const CASES: [string, keyof typeof SCRATCH, string, number][] = [
  ["ipv4", "onlyIpv4", "some-container-id-ipv4", 1],
  ["ipv4 two networks", "onlyIpv4MultipleNetworks", "some-container-id-ipv4-multiple", 1],
  ["ipv6", "onlyIpv6", "some-container-id-ipv6", 1],
  ["dual stack", "dualStack", "some-container-id-dual-stack", 2],
];

Deno.test({
  name: "flannel_linux_test.go lifecycle cases (§2.10 A)",
  ignore,
  fn: async (t) => {
    for (const [name, fixture, id, ips] of CASES) {
      await t.step(name, () =>
        withNode(SUBNET_ENV[fixture], async (node) => {
          const a = { pod: await node.pod(), id };
          const conf = {
            name: "cni-flannel",
            type: "flannel",
            subnetFile: `${node.dir}/subnet.env`,
            dataDir: `${node.dir}/flannel`,
          };
          // The delegate's host-local store goes to its default unless the ipam says
          // otherwise; give it a private one (the scratch file then carries it).
          const add = await node.flannel("ADD", a, {
            ...conf,
            ipam: { dataDir: `${node.dir}/ipam` },
          });
          assertEquals(add.code, 0, add.stdout);
          const saved = JSON.parse(await Deno.readTextFile(`${node.dir}/flannel/${id}`));
          delete saved.ipam.dataDir;
          assertEquals(saved, JSON.parse(SCRATCH[fixture]));
          const res = add.json();
          assertEquals(res.cniVersion, "0.1.0");
          assertEquals([res.ip4, res.ip6].filter((x) => x !== undefined).length, ips);
          assertEquals((await node.flannel("DEL", a, conf)).code, 0);
          assert(!(await exists(`${node.dir}/flannel/${id}`)));
          assertEquals((await node.flannel("DEL", a, conf)).code, 0);
        }));
    }
  },
});
