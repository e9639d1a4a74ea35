import { MemoryStore } from "./memory_store.ts";
import { RESET_GRACE_TEST_MS, runConformance } from "../store/conformance.ts";

Deno.test("the in-memory test store passes the store conformance suite", async (t) => {
  await runConformance(t, () => {
    const store = new MemoryStore({ resetGraceMs: RESET_GRACE_TEST_MS });
    return Promise.resolve({
      open: () => Promise.resolve(store),
      putRaw: (name, value, ttl) => Promise.resolve(store.putRaw(name, value, ttl)),
      readRaw: (name) => Promise.resolve(store.readRaw(name)),
      ttlOf: (name) => Promise.resolve(store.ttlOf(name)),
      setConfig: (text) => Promise.resolve(void (store.config = text)),
      compact: () => Promise.resolve(void store.compact()),
      wipe: () => Promise.resolve(store.wipe()),
      minTtlSeconds: 1,
      close: () => Promise.resolve(),
    });
  });
});
