/**
 * Throwaway certificate authorities for TLS tests, made with openssl: a CA, server
 * certificates with SANs, client certificates for client-certificate auth. ECDSA P-256,
 * valid one day, files in a directory the caller owns (and removes).
 *
 * @example
 * ```ts
 * const ca = await makeCA(dir, "etcd-test-ca");
 * const server = await issueCert(ca, dir, "server", { sans: ["IP:127.0.0.1"], server: true });
 * const client = await issueCert(ca, dir, "client", { client: true });
 * ```
 */
import { run } from "./netns.ts";

/** A PEM certificate and its private key, as files. */
export interface CertFiles {
  certFile: string;
  keyFile: string;
}

const KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/** Creates a self-signed CA (`<dir>/<name>.crt`, `.key`). */
export async function makeCA(dir: string, name: string): Promise<CertFiles> {
  const certFile = `${dir}/${name}.crt`;
  const keyFile = `${dir}/${name}.key`;
  await run("openssl", [
    "req",
    "-x509",
    ...KEY,
    "-keyout",
    keyFile,
    "-out",
    certFile,
    "-days",
    "1",
    "-subj",
    `/CN=${name}`,
  ]);
  return { certFile, keyFile };
}

export interface IssueOptions {
  /** subjectAltName entries (`IP:127.0.0.1`, `DNS:localhost`). */
  sans?: string[];
  server?: boolean;
  client?: boolean;
}

/** Issues a certificate signed by `ca` (`<dir>/<name>.crt`, `.key`). */
export async function issueCert(
  ca: CertFiles,
  dir: string,
  name: string,
  opts: IssueOptions,
): Promise<CertFiles> {
  const p = (ext: string) => `${dir}/${name}.${ext}`;
  await run("openssl", [
    "req",
    ...KEY,
    "-keyout",
    p("key"),
    "-out",
    p("csr"),
    "-subj",
    `/CN=${name}`,
  ]);
  const usage = [opts.server ? "serverAuth" : "", opts.client ? "clientAuth" : ""].filter(Boolean);
  const ext = [
    "basicConstraints=CA:FALSE",
    "keyUsage=digitalSignature,keyEncipherment",
    `extendedKeyUsage=${usage.join(",")}`,
    ...(opts.sans?.length ? [`subjectAltName=${opts.sans.join(",")}`] : []),
  ];
  await Deno.writeTextFile(p("ext"), ext.join("\n") + "\n");
  await run("openssl", [
    "x509",
    "-req",
    "-in",
    p("csr"),
    "-CA",
    ca.certFile,
    "-CAkey",
    ca.keyFile,
    "-CAcreateserial",
    "-out",
    p("crt"),
    "-days",
    "1",
    "-extfile",
    p("ext"),
  ]);
  return { certFile: p("crt"), keyFile: p("key") };
}
