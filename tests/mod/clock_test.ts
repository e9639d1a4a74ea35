import { assert } from "../harness/assert.ts";
import { systemClock } from "../../mod/clock.ts";

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
