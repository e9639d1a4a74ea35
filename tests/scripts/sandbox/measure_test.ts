import { formatBps, iperf, parseIperf, parsePing, ping } from "../../../scripts/sandbox/measure.ts";
import { assert, assertEquals, assertThrows } from "../../harness/assert.ts";
import { isRoot, linkVeth, NOT_ROOT, withNetns } from "../../../scripts/lab/netns.ts";

if (!isRoot) console.warn(`measure_test: the live step is ignored, ${NOT_ROOT}`);

Deno.test("parsePing() reads iputils' summary; no answer or a failure is not ok", () => {
  const out =
    "--- 10.244.1.2 ping statistics ---\n2 packets transmitted, 2 received, 0% packet loss" +
    ", time 101ms\nrtt min/avg/max/mdev = 0.041/0.052/0.063/0.011 ms\n";
  assertEquals(parsePing(0, out), { ok: true, rttMs: 0.052 });
  assertEquals(parsePing(1, "2 packets transmitted, 0 received, 100% packet loss\n"), {
    ok: false,
    rttMs: null,
  });
  assertEquals(parsePing(2, ""), { ok: false, rttMs: null });
});

Deno.test("parseIperf() takes the receiver's rate; errors are clear", () => {
  assertEquals(parseIperf('{"end":{"sum_received":{"bits_per_second":9.4e9}}}'), 9.4e9);
  assertThrows(() => parseIperf('{"error":"unable to connect to server"}'), Error, "unable");
  assertThrows(() => parseIperf("iperf3: error"), Error, "no JSON");
  assertThrows(() => parseIperf("{}"), Error, "sum_received");
  assertEquals([formatBps(9.41e9), formatBps(8.12e8)], ["9.41 Gbit/s", "812 Mbit/s"]);
});

Deno.test({
  name: "ping() and iperf() between two namespaces",
  ignore: !isRoot,
  fn: () =>
    withNetns(2, async (a, b) => {
      await linkVeth(a, "eth0", b, "eth0", "198.18.5.1/24", "198.18.5.2/24");
      const r = await ping(a, "198.18.5.2");
      assert(r.ok && r.rttMs! > 0, JSON.stringify(r));
      assertEquals((await ping(a, "198.18.5.9", 1)).ok, false);
      const bps = await iperf(a, b, "198.18.5.2", 1);
      assert(bps > 1e8, `${bps}`);
    }, "msr"),
});
