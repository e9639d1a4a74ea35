/**
 * A throwaway CA and server certificate for the test API server, made with openssl in a temp
 * directory (ECDSA P-256, valid one day, SANs for every address the server listens on).
 */
import { run } from "../netns.ts";

export interface TestCerts {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** Creates a CA and a server certificate for `ips` (plus `localhost`). */
export async function makeCerts(ips: string[]): Promise<TestCerts> {
  const dir = await Deno.makeTempDir({ prefix: "kube-api-certs-" });
  try {
    const p = (f: string) => `${dir}/${f}`;
    const key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    await run("openssl", [
      "req",
      "-x509",
      ...key,
      "-keyout",
      p("ca.key"),
      "-out",
      p("ca.crt"),
      "-days",
      "1",
      "-subj",
      "/CN=flannel-test-ca",
    ]);
    await run("openssl", [
      "req",
      ...key,
      "-keyout",
      p("server.key"),
      "-out",
      p("server.csr"),
      "-subj",
      "/CN=kube-apiserver",
    ]);
    const sans = ["DNS:localhost", ...ips.map((ip) => `IP:${ip}`)].join(",");
    await Deno.writeTextFile(
      p("ext.cnf"),
      `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n` +
        `extendedKeyUsage=serverAuth\nsubjectAltName=${sans}\n`,
    );
    await run("openssl", [
      "x509",
      "-req",
      "-in",
      p("server.csr"),
      "-CA",
      p("ca.crt"),
      "-CAkey",
      p("ca.key"),
      "-CAcreateserial",
      "-out",
      p("server.crt"),
      "-days",
      "1",
      "-extfile",
      p("ext.cnf"),
    ]);
    return {
      caPem: await Deno.readTextFile(p("ca.crt")),
      certPem: await Deno.readTextFile(p("server.crt")),
      keyPem: await Deno.readTextFile(p("server.key")),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
