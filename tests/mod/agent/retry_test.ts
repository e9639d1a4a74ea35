import { assertEquals, assertRejects, assertStringIncludes } from "../../harness/assert.ts";
import { FakeClock } from "../../harness/fake_clock.ts";
import { fatalUnlessUnavailable, isFatal, retryForever } from "../../../mod/agent/retry.ts";
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
