import { MemoryStore } from "./memory_store.ts";
import { runConformance } from "../store/conformance.ts";

Deno.test("the in-memory test store passes the store conformance suite", async (t) => {
  await runConformance(t, () => {
    const store = new MemoryStore();
    return Promise.resolve({
      open: () => Promise.resolve(store),
      putRaw: (name, value, ttl) => Promise.resolve(store.putRaw(name, value, ttl)),
      readRaw: (name) => Promise.resolve(store.readRaw(name)),
      ttlOf: (name) => Promise.resolve(store.ttlOf(name)),
      setConfig: (text) => Promise.resolve(void (store.config = text)),
      compact: () => Promise.resolve(void store.compact()),
      minTtlSeconds: 1,
      close: () => Promise.resolve(),
    });
  });
});
