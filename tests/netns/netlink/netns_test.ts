import { assert, assertEquals } from "../../harness/assert.ts";
import { exec, withNetns } from "../../../scripts/lab/netns.ts";
import { Rtnl } from "../../../mod/netlink/rtnl.ts";
import { ignore, type J } from "./helpers.ts";

Deno.test({
  name: "a connection opened into a second namespace changes that namespace only",
  ignore,
  fn: () =>
    withNetns(2, async (a, b) => {
      using na = Rtnl.open({ netns: a.path });
      using nb = Rtnl.open({ netns: b.path });
      nb.link.add({ name: "onlyb0", info: { kind: "bridge" } });
      na.link.add({ name: "onlya0", info: { kind: "bridge" } });
      const names = async (ns: typeof a) =>
        (await ns.ipJson<J[]>("link", "show")).map((l) => l.ifname).sort();
      assertEquals(await names(a), ["lo", "onlya0"]);
      assertEquals(await names(b), ["lo", "onlyb0"]);
      assertEquals(nb.link.list().map((l) => l.name).sort(), ["lo", "onlyb0"]);
      // Read-only look at the root namespace: neither link leaked there.
      for (const n of ["onlya0", "onlyb0"]) {
        assert((await exec("ip", ["link", "show", n])).code !== 0, n);
      }
    }, "nlm"),
});

Deno.test({
  name: "a connection can be opened through /proc/<pid>/ns/net",
  ignore,
  fn: () =>
    withNetns(1, async (a) => {
      const child = new Deno.Command("ip", { args: ["netns", "exec", a.name, "sleep", "30"] })
        .spawn();
      try {
        const want = Deno.statSync(a.path).ino;
        const path = `/proc/${child.pid}/ns/net`;
        for (let i = 0; i < 100 && Deno.readLinkSync(path) !== `net:[${want}]`; i++) {
          await new Promise((r) => setTimeout(r, 10));
        }
        assertEquals(Deno.readLinkSync(path), `net:[${want}]`);
        using nl = Rtnl.open({ netns: path });
        nl.link.add({ name: "viapid0", info: { kind: "bridge" } });
        assertEquals((await a.ipJson<J[]>("link", "show", "dev", "viapid0"))[0]!.ifname, "viapid0");
      } finally {
        child.kill("SIGKILL");
        await child.status;
      }
    }, "nlm"),
});
