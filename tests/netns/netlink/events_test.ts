import { assert, assertEquals } from "../../harness/assert.ts";
import { linkVeth, withNetns } from "../../../scripts/lab/netns.ts";
import { parseIP } from "../../../mod/ip/mod.ts";
import * as K from "../../../mod/netlink/codec/consts.ts";
import { type RtEvent, subscribe, type Subscription } from "../../../mod/netlink/events.ts";
import { neighReplace } from "../../../mod/netlink/ops/neigh.ts";
import { Rtnl } from "../../../mod/netlink/rtnl.ts";
import { ignore, vxlanNode } from "./helpers.ts";

/** The first event matching `pred` (with the time it was seen), or null after `ms`. */
async function first(sub: Subscription, pred: (e: RtEvent) => boolean, ms = 2000) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((r) => (timer = setTimeout(() => r(null), ms)));
  const seen = (async () => {
    for (;;) {
      const r = await Promise.race([sub.next(), timeout]);
      if (r === null || r.done) return null;
      if (pred(r.value)) return { ev: r.value, at: performance.now() };
    }
  })();
  try {
    return await seen;
  } finally {
    clearTimeout(timer);
  }
}

Deno.test({
  name: "an interface deleted with ip is seen as an RTM_DELLINK event within 100 ms",
  ignore,
  fn: () =>
    withNetns(1, async (a) => {
      await linkVeth(a, "gone0", a, "gone1");
      const sub = subscribe(["link"], { netns: a.path, pollMs: 100 });
      try {
        const waiting = first(sub, (e) =>
          e.kind === "link" && e.type === K.RTM_DELLINK && e.body.name === "gone0");
        const t0 = performance.now();
        await a.ip("link", "del", "gone0");
        const hit = await waiting;
        assert(hit, "no RTM_DELLINK for gone0");
        assert(hit.at - t0 < 100, `seen after ${hit.at - t0} ms (the ip process included)`);
      } finally {
        await sub.close();
      }
    }, "nlv"),
});

Deno.test({
  name: "address, route and neighbour changes made with ip arrive as events",
  ignore,
  fn: () =>
    withNetns(2, async (a, b) => {
      const { nl } = await vxlanNode(a, b);
      const sub = nl.subscribe(["addr", "route", "neigh"], { pollMs: 100 });
      try {
        const kinds = new Set<string>();
        const done = first(sub, (e) => {
          if (e.kind !== "overflow" && e.type % 4 === 0) kinds.add(e.kind);
          return kinds.size === 3;
        });
        await a.ip("addr", "add", "10.244.1.0/32", "dev", "vx0");
        await a.ip("route", "add", "10.244.2.0/24", "via", "10.244.2.0", "dev", "vx0", "onlink");
        await a.ip(
          "neigh",
          "add",
          "10.244.2.0",
          "lladdr",
          "0e:aa:00:00:00:02",
          "dev",
          "vx0",
          "nud",
          "permanent",
        );
        assert(await done, `only saw ${[...kinds]}`);
      } finally {
        await sub.close();
        nl.close();
      }
    }, "nlv"),
});

Deno.test({
  name: "a burst beyond the receive buffer is reported as one overflow, then events continue",
  ignore,
  fn: () =>
    withNetns(2, async (a, b) => {
      const { nl, vx } = await vxlanNode(a, b);
      const sub = nl.subscribe(["neigh", "link"], { pollMs: 50 });
      try {
        const burst = Array.from({ length: 3000 }, (_, i) =>
          neighReplace({
            index: vx.index,
            dst: parseIP(`10.245.${i >> 8}.${i & 255}`),
            lladdr: "0e:aa:00:00:00:02",
          }));
        // 8 MiB would hold this burst; a small buffer must overflow (the pump cannot read
        // while this synchronous batch runs).
        const small = subscribe(["neigh"], {
          netns: a.path,
          rcvbufBytes: 4096,
          pollMs: 50,
        });
        try {
          assertEquals(nl.batch(burst).filter(Boolean).length, 0);
          assert(
            await first(small, (e) => e.kind === "overflow"),
            "no overflow reported",
          );
          assert(
            await first(sub, (e) => e.kind === "neigh"),
            "the 8 MiB subscription got the burst",
          );
          await a.ip("link", "add", "late0", "type", "bridge");
          assert(await first(small, () => false, 200) === null);
          assert(
            await first(sub, (e) => e.kind === "link" && e.body.name === "late0"),
            "events continue",
          );
        } finally {
          await small.close();
        }
      } finally {
        await sub.close();
        nl.close();
      }
    }, "nlv"),
});

Deno.test({
  name: "breaking out of for await closes the subscription",
  ignore,
  fn: () =>
    withNetns(1, async (a) => {
      using nl = Rtnl.open({ netns: a.path });
      const sub = nl.subscribe(["link"], { pollMs: 50 });
      setTimeout(() => a.ip("link", "add", "br9", "type", "bridge"), 10);
      for await (const ev of sub) {
        if (ev.kind === "link") break;
      }
      assertEquals((await sub.next()).done, true);
    }, "nlv"),
});
