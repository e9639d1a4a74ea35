import { assertEquals } from "../harness/assert.ts";
import { createLogger, klogHeader } from "../../mod/log.ts";

Deno.test("klogHeader() matches klog's layout", () => {
  const micros = Date.UTC(2026, 5, 29, 14, 28, 35) * 1000 + 866793;
  assertEquals(klogHeader("I", micros, 5522, "main"), "I0629 14:28:35.866793    5522 main] ");
});

Deno.test("createLogger() filters verbose lines by -v and keeps severity letters", () => {
  const lines: string[] = [];
  const log = createLogger({
    verbosity: 1,
    write: (l) => lines.push(l),
    nowMicros: () => 0,
    pid: 1,
  });
  log.info("a");
  log.warn("b");
  log.error("c");
  log.v(1, "d");
  log.v(2, "e");
  log.with("vxlan").info("f");
  const head = "0101 00:00:00.000000       1";
  assertEquals(lines, [
    `I${head} flanneld] a\n`,
    `W${head} flanneld] b\n`,
    `E${head} flanneld] c\n`,
    `I${head} flanneld] d\n`,
    `I${head} vxlan] f\n`,
  ]);
  assertEquals(log.enabled(2), false);
});
