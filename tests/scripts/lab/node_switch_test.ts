import { assertEquals, assertThrows } from "../../harness/assert.ts";
import { parsePing } from "../../../scripts/lab/node_switch.ts";

const reply = (seq: number) => `64 bytes from 10.244.3.2: icmp_seq=${seq} ttl=62 time=0.181 ms`;
const summary = (sent: number, got: number, ms = 135) =>
  `\n--- 10.244.3.2 ping statistics ---\n${sent} packets transmitted, ${got} received, ` +
  `${Math.round((100 * (sent - got)) / sent)}% packet loss, time ${ms}ms\n`;

Deno.test("parsePing() counts unanswered probes and the longest run; the last probe is not judged", () => {
  const seqs = [1, 2, 5, 6, 9];
  const out = `PING 10.244.3.2 (10.244.3.2) 56(84) bytes of data.\n${seqs.map(reply).join("\n")}` +
    summary(10, 5);
  // 3, 4, 7, 8 lost; 10 (the last, cut off by SIGINT) not judged; 135 ms over 9 intervals.
  assertEquals(parsePing(out), { sent: 10, received: 5, lost: 4, longestGap: 2, intervalMs: 15 });
  const clean = [1, 2, 3].map(reply).join("\n") + summary(4, 3);
  assertEquals(parsePing(clean), { sent: 4, received: 3, lost: 0, longestGap: 0, intervalMs: 45 });
});

Deno.test("parsePing() reads a summary with errors, and a single probe has no interval", () => {
  const out = `${reply(1)}\n${reply(3)}\n` +
    "5 packets transmitted, 2 received, +2 errors, 60% packet loss, time 64ms\n";
  assertEquals(parsePing(out), { sent: 5, received: 2, lost: 2, longestGap: 1, intervalMs: 16 });
  assertEquals(parsePing(reply(1) + summary(1, 1, 0)).intervalMs, 0);
});

Deno.test("parsePing() without a summary throws with the output's end", () => {
  assertThrows(() => parsePing(reply(1)), Error, "No ping summary");
});
