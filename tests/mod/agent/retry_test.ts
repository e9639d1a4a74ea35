import { assertEquals, assertRejects, assertStringIncludes } from "../../harness/assert.ts";
import { FakeClock } from "../../harness/fake_clock.ts";
import {
  fatalUnlessUnavailable,
  isFatal,
  retryForever,
  retryWithBackoff,
} from "../../../mod/agent/retry.ts";
import { createLogger } from "../../../mod/log.ts";
import { OutOfSubnetsError } from "../../../mod/subnet/manager.ts";
import { StoreUnavailableError } from "../../../mod/subnet/store.ts";

function setup() {
  const lines: string[] = [];
  return {
    clock: new FakeClock(),
    logger: createLogger({ write: (l) => lines.push(l), nowMicros: () => 0, pid: 1 }),
    lines,
  };
}

Deno.test("retryForever() retries every second, saying so, until it works", async () => {
  const d = setup();
  let calls = 0;
  const p = retryForever(d, new AbortController().signal, "Couldn't fetch network config", () => {
    calls++;
    return calls < 3
      ? Promise.reject(new StoreUnavailableError("etcd down"))
      : Promise.resolve("ok");
  });
  await d.clock.tick(0);
  assertEquals(calls, 1);
  await d.clock.tick(999);
  assertEquals(calls, 1);
  await d.clock.tick(1);
  await d.clock.tick(1000);
  assertEquals(await p, "ok");
  assertEquals(d.lines.length, 2);
  assertStringIncludes(d.lines[0]!, "Couldn't fetch network config: etcd down (retrying in 1s)");
});

Deno.test("retryForever() returns null on abort and throws fatal errors", async () => {
  const d = setup();
  const ctl = new AbortController();
  const p = retryForever(d, ctl.signal, "x", () => Promise.reject(new Error("no")));
  await d.clock.tick(0);
  ctl.abort();
  assertEquals(await p, null);
  await assertRejects(
    () =>
      retryForever(
        d,
        new AbortController().signal,
        "x",
        () => Promise.reject(new OutOfSubnetsError("10.0.0.0/16")),
      ),
    OutOfSubnetsError,
  );
  assertEquals(isFatal(new StoreUnavailableError("x")), false);
});

Deno.test("fatalUnlessUnavailable() retries only an unreachable store", () => {
  assertEquals(fatalUnlessUnavailable(new StoreUnavailableError("x")), false);
  assertEquals(
    fatalUnlessUnavailable(new Error("IPv6-only networks need the Kubernetes subnet manager")),
    true,
  );
});

Deno.test("retryWithBackoff() doubles its delay up to 30 s; the same error is said once a minute, a new one at once", async () => {
  const d = setup();
  const at: number[] = [];
  let error = "disk full";
  let works = false;
  const fn = () => {
    at.push(d.clock.now());
    return works ? Promise.resolve() : Promise.reject(new Error(error));
  };
  const start = d.clock.now();
  const p = retryWithBackoff(d, new AbortController().signal, "Failed", fn, new Error(error));
  for (const s of [1, 2, 4, 8, 16, 30, 30, 30]) await d.clock.tick(s * 1000);
  assertEquals(at.map((t) => (t - start) / 1000), [1, 3, 7, 15, 31, 61, 91, 121]);
  assertEquals(d.lines.map((l) => l.slice(l.indexOf("] ") + 2, -1)), [
    "Failed: disk full (retrying in 1s)",
    "Failed: disk full (retrying in 30s)", // at 61 s
    "Failed: disk full (retrying in 30s)", // at 121 s
  ]);
  error = "read-only file system";
  await d.clock.tick(30_000);
  assertStringIncludes(d.lines.at(-1)!, "Failed: read-only file system (retrying in 30s)");
  works = true;
  await d.clock.tick(30_000);
  assertEquals(await p, true);
  assertEquals(d.lines.length, 4);
});

Deno.test("retryWithBackoff() returns false when stopped", async () => {
  const d = setup();
  const ctl = new AbortController();
  const p = retryWithBackoff(d, ctl.signal, "x", () => Promise.reject(new Error("no")), "no");
  await d.clock.tick(5000);
  ctl.abort();
  assertEquals(await p, false);
});
