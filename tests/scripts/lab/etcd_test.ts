import { assert, assertEquals, assertRejects, assertStringIncludes } from "../../harness/assert.ts";
import { EtcdServer, withEtcd } from "../../../scripts/lab/etcd.ts";
import { exec } from "../../../scripts/lab/netns.ts";

Deno.test("etcd harness: restart keeps data, compaction works, close removes everything", async () => {
  let dir = "";
  await withEtcd({ unixSocket: true }, async (etcd) => {
    dir = etcd.dir;
    assert(etcd.unixEndpoint!.startsWith(`unix://${etcd.dir}/`));
    await etcd.etcdctl("put", "/k", "v1");
    await etcd.etcdctl("put", "/k", "v2");
    const rev = await etcd.revision();
    await etcd.restart();
    assertEquals(await etcd.etcdctl("get", "/k", "--print-value-only"), "v2\n");
    assertEquals(await etcd.compact(), rev);
    await assertRejects(() => etcd.etcdctl("get", "/k", `--rev=${rev - 1}`), Error, "compacted");
    // The unix socket serves too.
    const r = await exec("etcdctl", [
      `--endpoints=${etcd.unixEndpoint}`,
      "get",
      "/k",
      "--print-value-only",
    ]);
    assertEquals(r.stdout, "v2\n");
  });
  assertEquals(await Deno.stat(dir).then(() => "exists", () => "gone"), "gone");
});

Deno.test("etcd harness: TLS requires a client certificate from our CA", async () => {
  const etcd = await EtcdServer.start({ tls: true });
  try {
    assert(etcd.endpoint.startsWith("https://127.0.0.1:"));
    await etcd.etcdctl("put", "/k", "v");
    const noCert = await exec("etcdctl", [
      `--endpoints=${etcd.endpoint}`,
      `--cacert=${etcd.tls!.caFile}`,
      "--dial-timeout=2s",
      "get",
      "/k",
    ]);
    assert(noCert.code !== 0, "etcd served a client without a certificate");
    assertStringIncludes(noCert.stderr, "deadline exceeded");
  } finally {
    await etcd.close();
  }
  assertEquals(etcd.running, false);
});
