import {
  healthHandler,
  HealthServerError,
  joinHostPort,
  startHealthServer,
} from "../../../mod/http/health.ts";
import { createLogger } from "../../../mod/log.ts";
import { assert, assertEquals, assertRejects } from "../../harness/assert.ts";

async function get(url: string, method = "GET"): Promise<[number, string, string | null]> {
  const r = await fetch(url, { method });
  return [r.status, await r.text(), r.headers.get("content-type")];
}

Deno.test("startHealthServer() serves /healthz, /readyz (503 then 200) and 404 over real HTTP", async () => {
  let ready = false;
  const lines: string[] = [];
  const logger = createLogger({ write: (l) => lines.push(l) });
  const srv = await startHealthServer({ ip: "127.0.0.1", port: 0, isReady: () => ready, logger });
  const base = `http://127.0.0.1:${srv.port}`;
  try {
    assert(srv.port > 0);
    assert(lines[0]!.endsWith("] Start healthz server on 127.0.0.1:0\n"), lines[0]);
    assertEquals(await get(`${base}/healthz`), [
      200,
      "flanneld is running",
      "text/plain; charset=utf-8",
    ]);
    assertEquals((await get(`${base}/healthz`, "POST")).slice(0, 2), [200, "flanneld is running"]);
    assertEquals((await get(`${base}/readyz`)).slice(0, 2), [503, "flanneld is not ready yet"]);
    ready = true;
    assertEquals((await get(`${base}/readyz`)).slice(0, 2), [200, "flanneld is ready"]);
    assertEquals((await get(`${base}/readyz?verbose`)).slice(0, 2), [200, "flanneld is ready"]);
    for (const p of ["/", "/nope", "/healthz/", "/metrics"]) {
      assertEquals((await get(`${base}${p}`)).slice(0, 2), [404, "404 page not found\n"], p);
    }
  } finally {
    await srv.close();
  }
  await assertRejects(() => fetch(`${base}/healthz`));
  await srv.close(); // a second close is harmless
});

Deno.test("startHealthServer() fails with HealthServerError when the port is taken", async () => {
  const first = await startHealthServer({ ip: "127.0.0.1", port: 0, isReady: () => true });
  try {
    const err = await assertRejects(
      () => startHealthServer({ ip: "127.0.0.1", port: first.port, isReady: () => true }),
      HealthServerError,
      `Cannot start healthz server on "127.0.0.1:${first.port}"`,
    );
    assertEquals(err.code, "EHEALTHZ");
  } finally {
    await first.close();
  }
});

Deno.test("healthHandler() answers without a server", async () => {
  const h = healthHandler(() => false);
  const r = h(new Request("http://x/readyz"));
  assertEquals([r.status, await r.text()], [503, "flanneld is not ready yet"]);
});

Deno.test("joinHostPort() brackets IPv6 like Go", () => {
  assertEquals(joinHostPort("0.0.0.0", 8081), "0.0.0.0:8081");
  assertEquals(joinHostPort("::1", 8081), "[::1]:8081");
});
