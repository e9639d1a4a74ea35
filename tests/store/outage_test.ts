import { assertEquals } from "../harness/assert.ts";
import { OUTAGE_REPEAT_MS, OutageLog } from "../../store/outage.ts";
import { createLogger } from "../../mod/log.ts";

Deno.test("OutageLog: one warning, a reminder at most once a minute, one line when back", () => {
  let now = 1_000_000;
  const lines: string[] = [];
  const log = createLogger({ write: (l) => lines.push(l[0] + l.slice(l.indexOf("] ") + 2, -1)) });
  const o = new OutageLog("etcd", "http://127.0.0.1:2379", log, () => now);
  o.ok(); // no outage: silent
  o.failed("no connection: connect ECONNREFUSED 127.0.0.1:2379");
  for (let i = 0; i < 10; i++) {
    now += 5000; // npm:etcd3 retries its watch every ≤ 5 s
    o.failed("no connection: connect ECONNREFUSED 127.0.0.1:2379");
  }
  now += OUTAGE_REPEAT_MS - 50_000;
  o.failed("14 UNAVAILABLE: Connection dropped");
  now += 12_345;
  o.ok();
  o.ok();
  assertEquals(lines, [
    "Wetcd is unreachable (http://127.0.0.1:2379): no connection: connect ECONNREFUSED 127.0.0.1:2379",
    "Wetcd is still unreachable after 1m0s (http://127.0.0.1:2379): 14 UNAVAILABLE: Connection dropped",
    "Ietcd is reachable again after 1m12.345s (http://127.0.0.1:2379)",
  ]);
  o.mute();
  o.failed("closing");
  assertEquals(lines.length, 3);
});
