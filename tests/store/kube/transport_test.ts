import { assertEquals } from "../../harness/assert.ts";
import { readLines } from "../../../store/kube/transport.ts";

function stream(chunks: string[], hold = false): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(c) {
      for (const ch of chunks) c.enqueue(enc.encode(ch));
      if (!hold) c.close();
    },
  });
}

Deno.test("readLines() splits lines across chunks and keeps a last unterminated one", async () => {
  const lines: string[] = [];
  const ctrl = new AbortController();
  await readLines(
    stream(['{"a":', '1}\n{"b"', ":2}\n\n", '{"c":3}']),
    (l) => lines.push(l),
    1000,
    ctrl,
    ctrl.signal,
  );
  assertEquals(lines, ['{"a":1}', '{"b":2}', '{"c":3}']);
});

Deno.test("readLines() ends a silent stream after idleMs, and at once on abort", async () => {
  const lines: string[] = [];
  const ctrl = new AbortController();
  const t0 = Date.now();
  await readLines(stream(["x\n"], true), (l) => lines.push(l), 100, ctrl, ctrl.signal);
  assertEquals([lines, ctrl.signal.aborted, Date.now() - t0 < 2000], [["x"], true, true]);
  const outer = new AbortController();
  const ctrl2 = new AbortController();
  const both = AbortSignal.any([outer.signal, ctrl2.signal]);
  setTimeout(() => outer.abort(), 50);
  await readLines(stream([], true), () => {}, 60_000, ctrl2, both);
  assertEquals(ctrl2.signal.aborted, false);
});
