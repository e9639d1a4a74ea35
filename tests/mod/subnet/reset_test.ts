import { assertEquals } from "../../harness/assert.ts";
import { DATA_LOST, StoreResets } from "../../../mod/subnet/reset.ts";
import { createLogger } from "../../../mod/log.ts";

function setup() {
  const lines: string[] = [];
  const log = createLogger({
    write: (l) => lines.push(l.slice(0, 1) + l.slice(l.indexOf("] ") + 1, -1)),
  });
  return { resets: new StoreResets(log), lines };
}

Deno.test("an announcement logs one warning, bumps the epoch and wakes every listener", () => {
  const { resets, lines } = setup();
  let a = 0, b = 0;
  resets.listen(() => a++);
  resets.listen(() => b++);
  resets.announce(`etcd revision went back: ${DATA_LOST}`);
  assertEquals(resets.epoch, 1);
  assertEquals([a, b], [1, 1]);
  assertEquals(lines, [`W etcd revision went back: ${DATA_LOST}`]);
});

Deno.test("a second noticer of the same loss (a view from the old epoch) stays silent", () => {
  const { resets, lines } = setup();
  let woken = 0;
  resets.listen(() => woken++);
  const seenByWatchA = resets.epoch;
  const seenByWatchB = resets.epoch;
  resets.announce("loss seen by A", seenByWatchA);
  resets.announce("loss seen by B", seenByWatchB);
  assertEquals(lines.length, 1);
  assertEquals(woken, 1);
  resets.announce("a later loss"); // a view of the current epoch: a new loss
  assertEquals(lines.length, 2);
  assertEquals(resets.epoch, 2);
});

Deno.test("an unlistened wake is not called again", () => {
  const { resets } = setup();
  let woken = 0;
  const stop = resets.listen(() => woken++);
  stop();
  resets.announce("loss");
  assertEquals(woken, 0);
});
