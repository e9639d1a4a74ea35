/**
 * A subnet.env that cannot be written at first (issue 14 #8), end to end: a real agent whose
 * `--subnet-file` path is taken by a directory runs its backend but stays unready (`/readyz`
 * 503, `/healthz` 200); once the path is freed the background retry writes the file and
 * `/readyz` turns 200 — before the fix it stayed 503 for good.
 */
import { assert, assertEquals } from "../../harness/assert.ts";
import { isRoot, NOT_ROOT } from "../../../scripts/lab/netns.ts";
import { CONFIG_V4, HEALTHZ, probe, withDaemonCluster } from "./helpers.ts";

if (!isRoot) console.warn(`daemon subnet.env retry tests ignored: ${NOT_ROOT}`);

Deno.test({
  name: "subnet.env blocked at start: /readyz 503 while the backend runs, 200 once it is written",
  ignore: !isRoot,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withDaemonCluster(1, CONFIG_V4, async (d) => {
      const h = d.cluster.hosts[0]!;
      await Deno.mkdir(`${h.subnetFile}/taken`, { recursive: true }); // rename onto it fails
      const a = h.startAgent([...d.flags, "--healthz-port", String(HEALTHZ)]);
      await a.waitFor(/Running backend\./);
      await a.waitFor(/Failed to write subnet file: /);
      await new Promise((r) => setTimeout(r, 1500)); // past the first retry
      assertEquals([await probe(h, "/healthz"), await probe(h, "/readyz")], [200, 503], a.log());
      await Deno.remove(h.subnetFile, { recursive: true });
      // Retries come after 1, 2, 4, 8 s: freed ≈ 2.5 s in, the next one is at 3 s or 7 s.
      const end = Date.now() + 10_000;
      let ready = 0;
      while (Date.now() < end && (ready = await probe(h, "/readyz")) !== 200) {
        await new Promise((r) => setTimeout(r, 200));
      }
      assertEquals(ready, 200, a.log());
      const vars = await h.waitSubnetEnv(1000);
      assert(vars.get("FLANNEL_SUBNET")?.startsWith("10.244."), a.log());
      assert(a.lines().some((l) => l.includes("flannel is ready")), a.log());
      assertEquals(await h.stopAgent(), 0);
    }),
});
