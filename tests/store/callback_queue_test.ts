import { assertEquals } from "../harness/assert.ts";
import { CallbackQueue } from "../../store/callback_queue.ts";

Deno.test("items pushed before take come out in order", async () => {
  const q = new CallbackQueue<number>();
  q.push(1);
  q.push(2);
  const signal = new AbortController().signal;
  assertEquals([await q.take(signal), await q.take(signal)], [1, 2]);
});

Deno.test("take waits for a later push", async () => {
  const q = new CallbackQueue<string>();
  const got = q.take(new AbortController().signal);
  setTimeout(() => q.push("late"), 5);
  assertEquals(await got, "late");
});

Deno.test("abort ends a waiting take with null, and an aborted signal never yields items", async () => {
  const q = new CallbackQueue<number>();
  const ac = new AbortController();
  const got = q.take(ac.signal);
  ac.abort();
  assertEquals(await got, null);
  q.push(7);
  assertEquals(await q.take(ac.signal), null);
  assertEquals(await q.take(new AbortController().signal), 7); // the item is kept
});
