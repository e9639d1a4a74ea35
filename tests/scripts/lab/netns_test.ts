import { assert, assertEquals } from "../../harness/assert.ts";
import { exec, isRoot, linkVeth, NOT_ROOT, withNetns } from "../../../scripts/lab/netns.ts";

const ignore = !isRoot;
if (ignore) console.warn(`netns harness tests ignored: ${NOT_ROOT}`);

Deno.test({
  name: "withNetns() joins two namespaces and removes them afterwards",
  ignore,
  fn: async () => {
    let names: string[] = [];
    await withNetns(2, async (a, b) => {
      names = [a.name, b.name];
      await linkVeth(a, "va", b, "vb", "198.18.9.1/24", "198.18.9.2/24");
      const r = await a.exec("ping", ["-c1", "-W1", "198.18.9.2"]);
      assertEquals(r.code, 0, r.stdout + r.stderr);
    });
    const list = await exec("ip", ["netns", "list"]);
    for (const n of names) assert(!list.stdout.includes(n), `${n} left behind`);
  },
});
