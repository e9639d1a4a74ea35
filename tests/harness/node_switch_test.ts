import { assertEquals, assertThrows } from "./assert.ts";
import { parsePing } from "./node_switch.ts";

const reply = (seq: number) => `64 bytes from 10.244.3.2: icmp_seq=${seq} ttl=62 time=0.181 ms`;
const summary = (sent: number, got: number) =>
  `\n--- 10.244.3.2 ping statistics ---\n${sent} packets transmitted, ${got} received, ` +
  `${Math.round((100 * (sent - got)) / sent)}% packet loss, time 60ms\n`;

Deno.test("parsePing() counts unanswered probes and the longest run; the last probe is not judged", () => {
  const seqs = [1, 2, 5, 6, 9];
  const out = `PING 10.244.3.2 (10.244.3.2) 56(84) bytes of data.\n${seqs.map(reply).join("\n")}` +
    summary(10, 5);
  // 3, 4, 7, 8 lost; 10 (the last, cut off by SIGINT) not judged.
  assertEquals(parsePing(out), { sent: 10, received: 5, lost: 4, longestGap: 2 });
  const clean = [1, 2, 3].map(reply).join("\n") + summary(4, 3);
  assertEquals(parsePing(clean), { sent: 4, received: 3, lost: 0, longestGap: 0 });
});

Deno.test("parsePing() without a summary throws with the output's end", () => {
  assertThrows(() => parsePing(reply(1)), Error, "No ping summary");
});
