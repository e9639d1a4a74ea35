import { assertEquals, assertRejects } from "../../harness/assert.ts";
import { Prefetch } from "../../../mod/agent/prefetch.ts";

Deno.test("Prefetch reads ahead and replays everything in order, then live items", async () => {
  const pulled: number[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  async function* source() {
    for (const x of [1, 2]) {
      pulled.push(x);
      yield x;
    }
    await gate;
    pulled.push(3);
    yield 3;
  }
  const p = new Prefetch(source());
  await new Promise((r) => setTimeout(r, 0));
  assertEquals(pulled, [1, 2], "consumed before anyone iterates");
  const got: number[] = [];
  const done = (async () => {
    for await (const x of p) got.push(x);
  })();
  await new Promise((r) => setTimeout(r, 0));
  assertEquals(got, [1, 2]);
  release();
  await done;
  assertEquals(got, [1, 2, 3]);
});

Deno.test("Prefetch rethrows the source's error after what came before it", async () => {
  async function* source() {
    yield 1;
    throw new Error("watch broke");
  }
  const p = new Prefetch(source());
  const got: number[] = [];
  await assertRejects(
    async () => {
      for await (const x of p) got.push(x);
    },
    Error,
    "watch broke",
  );
  assertEquals(got, [1]);
});
