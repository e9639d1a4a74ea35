import { assert, assertEquals } from "../harness/assert.ts";
import { MAX_TIMER_MS, systemClock, timerClock } from "../../mod/clock.ts";

Deno.test("systemClock.sleep() waits, and returns early on abort without leaking a timer", async () => {
  const t0 = systemClock.now();
  await systemClock.sleep(20);
  assert(systemClock.now() - t0 >= 15);
  const ctl = new AbortController();
  const p = systemClock.sleep(60_000, ctl.signal);
  ctl.abort();
  await p;
  await systemClock.sleep(10, AbortSignal.abort());
});

Deno.test("systemClock.sleep() beyond setTimeout's 2^31 − 1 ms limit does not fire early", async (t) => {
  for (const ms of [MAX_TIMER_MS + 1, 2_147_484 * 1000, 1e15, Infinity]) {
    await t.step(String(ms), async () => {
      const ctl = new AbortController();
      let woke = false;
      const p = systemClock.sleep(ms, ctl.signal).then(() => (woke = true));
      await new Promise((r) => setTimeout(r, 50)); // a clamped timer fires after 1 ms
      assertEquals(woke, false);
      ctl.abort();
      await p; // and the chain's pending timer is cleared (the sanitizer checks)
    });
  }
});

/** Timers that run only when the test says so, recording every delay asked for. */
function manualTimers() {
  const asked: number[] = [];
  const pending = new Map<number, () => void>();
  let next = 0;
  return {
    asked,
    pending,
    api: {
      set: (fn: () => void, ms: number) => {
        asked.push(ms);
        pending.set(++next, fn);
        return next;
      },
      clear: (id: number) => pending.delete(id),
      now: () => 0,
    },
    /** Fires the one pending timer. */
    fire() {
      assertEquals(pending.size, 1);
      const [id, fn] = [...pending][0]!;
      pending.delete(id);
      fn();
    },
  };
}

Deno.test("timerClock().sleep() chains delays no longer than MAX_TIMER_MS and sums to the sleep", async () => {
  const m = manualTimers();
  const clock = timerClock(m.api);
  let woke = false;
  const p = clock.sleep(2.5 * MAX_TIMER_MS).then(() => (woke = true));
  m.fire();
  m.fire();
  await Promise.resolve();
  assertEquals(woke, false);
  m.fire();
  await p;
  assertEquals(m.asked, [MAX_TIMER_MS, MAX_TIMER_MS, 0.5 * MAX_TIMER_MS]);
  assertEquals(m.pending.size, 0);
});

Deno.test("timerClock().sleep(): short, zero, negative and NaN sleeps are one timer", async () => {
  const m = manualTimers();
  const clock = timerClock(m.api);
  for (const ms of [1000, 0, -5, NaN]) {
    const p = clock.sleep(ms);
    m.fire();
    await p;
  }
  assertEquals(m.asked, [1000, 0, 0, 0]);
});

Deno.test("timerClock().sleep(): an abort in the middle of a chain clears its pending timer", async () => {
  const m = manualTimers();
  const ctl = new AbortController();
  const p = timerClock(m.api).sleep(Infinity, ctl.signal);
  m.fire();
  m.fire();
  assertEquals(m.pending.size, 1);
  ctl.abort();
  await p;
  assertEquals(m.pending.size, 0);
  assertEquals(m.asked, [MAX_TIMER_MS, MAX_TIMER_MS, MAX_TIMER_MS]);
});
