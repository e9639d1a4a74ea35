import { assert, assertEquals, assertRejects, assertStringIncludes } from "../harness/assert.ts";
import { withEtcd } from "../../scripts/lab/etcd.ts";
import { createEtcdStore, type EtcdStoreOptions } from "../../store/etcd.ts";
import { describeEtcdError, showEndpoint, withScheme } from "../../store/etcd_client.ts";
import { createLogger } from "../../mod/log.ts";
import { ConfigError } from "../../mod/errors.ts";
import { StoreUnavailableError } from "../../mod/subnet/store.ts";

Deno.test("describeEtcdError() shortens grpc-js's text and hints at the TLS flags", () => {
  assertEquals(
    describeEtcdError(
      new Error(
        "14 UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:9. Resolution note: ",
      ),
    ),
    "no connection: connect ECONNREFUSED 127.0.0.1:9",
  );
  assertEquals(
    describeEtcdError(
      new Error(
        "14 UNAVAILABLE: No connection established. Last error: Error: unable to verify the first certificate. Resolution note: ",
      ),
    ),
    "no connection: unable to verify the first certificate (check --etcd-cafile, --etcd-certfile and --etcd-keyfile)",
  );
  assertEquals(
    describeEtcdError(new Error("etcdserver: request timed out")),
    "etcdserver: request timed out",
  );
});

Deno.test("showEndpoint() drops credentials from endpoint URLs", () => {
  assertEquals(showEndpoint("https://user:pw@10.0.0.5:2379"), "https://10.0.0.5:2379");
  assertEquals(showEndpoint("unix:///run/etcd.sock:0"), "unix:///run/etcd.sock:0");
});

Deno.test("etcd client: TLS with client certificates (IP endpoint) works; a wrong CA is a clear error", async () => {
  await withEtcd({ tls: true }, async (etcd) => {
    const tls = etcd.tls!;
    const good: EtcdStoreOptions = {
      endpoints: [etcd.endpoint],
      caFile: tls.caFile,
      certFile: tls.certFile,
      keyFile: tls.keyFile,
    };
    const store = await createEtcdStore(good);
    try {
      await etcd.etcdctl("put", "/coreos.com/network/config", '{"Network":"10.5.0.0/16"}');
      assertEquals(await store.getNetworkConfig(), '{"Network":"10.5.0.0/16"}');
    } finally {
      await store.close();
    }
    await assertRejects(
      () => createEtcdStore({ ...good, keyFile: `${tls.keyFile}.missing` }),
      ConfigError,
      "Cannot read --etcd-keyfile",
    );
    const bad = await createEtcdStore({ ...good, caFile: tls.wrongCaFile, requestTimeoutMs: 3000 });
    try {
      const err = await assertRejects(() => bad.getNetworkConfig(), StoreUnavailableError);
      assertStringIncludes(err.message, "certificate");
      assertStringIncludes(err.message, "--etcd-cafile");
    } finally {
      await bad.close();
    }
  });
});

Deno.test("etcd client: username and password reach etcd, and are never logged", async () => {
  await withEtcd({}, async (etcd) => {
    await etcd.etcdctl(
      "user",
      "add",
      "root",
      "--new-user-password=s3cret-pw",
      "--interactive=false",
    );
    await etcd.etcdctl("auth", "enable");
    await etcd.etcdctl("--user=root:s3cret-pw", "put", "/coreos.com/network/config", "{}");
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l) });
    const opts = { endpoints: [etcd.endpoint], username: "root", log, requestTimeoutMs: 3000 };
    const store = await createEtcdStore({ ...opts, password: "s3cret-pw" });
    const wrong = await createEtcdStore({ ...opts, password: "wrong-pw" });
    try {
      assertEquals(await store.getNetworkConfig(), "{}");
      const err = await assertRejects(() => wrong.getNetworkConfig(), StoreUnavailableError);
      assertStringIncludes(err.message, "authentication failed");
      assert(!lines.join("").includes("s3cret-pw") && !err.message.includes("wrong-pw"));
      assert(!store.name.includes("s3cret"));
    } finally {
      await store.close();
      await wrong.close();
    }
  });
});

Deno.test("withScheme() adds http (https with TLS files) only where the scheme is missing", () => {
  assertEquals(withScheme("127.0.0.1:2379", false), "http://127.0.0.1:2379");
  assertEquals(withScheme("etcd.example:2379", true), "https://etcd.example:2379");
  assertEquals(withScheme("https://10.0.0.1:2379", false), "https://10.0.0.1:2379");
  assertEquals(withScheme("unix:///run/etcd.sock:0", true), "unix:///run/etcd.sock:0");
});
