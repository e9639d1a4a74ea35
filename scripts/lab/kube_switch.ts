/**
 * The Kubernetes API test server as a process inside a cluster's switch namespace, so agents
 * in the host namespaces reach it over the underlay (`https://198.18.0.254:6443`) without any
 * change to the root namespace. The test process drives it through the admin hooks on a unix
 * socket (a file, so it crosses namespaces).
 *
 * @example
 * ```ts
 * await withCluster({ hosts: 3 }, async (c) => {
 *   const api = await KubeSwitchApi.start(c);
 *   try {
 *     await api.admin.op("node", { name: "h1", podCIDR: "10.244.1.0/24" });
 *     c.hosts[0]!.startAgent(["--kube-subnet-mgr", "--kubeconfig-file", api.kubeconfig]);
 *   } finally {
 *     await api.stop();
 *   }
 * });
 * ```
 */
import type { Cluster } from "./cluster.ts";
import { REPO_ROOT } from "./agent_process.ts";
import { KubeApiAdmin } from "./kube_api/admin.ts";

/** The API server's address on the switch bridge. */
export const SWITCH_API_IP = "198.18.0.254";
export const SWITCH_API_PORT = 6443;

export class KubeSwitchApi {
  readonly admin: KubeApiAdmin;
  readonly dir: string;
  readonly url: string;
  readonly #child: Deno.ChildProcess;
  readonly #log: string[];

  private constructor(child: Deno.ChildProcess, dir: string, url: string, log: string[]) {
    this.#child = child;
    this.dir = dir;
    this.url = url;
    this.#log = log;
    this.admin = new KubeApiAdmin(`${dir}/api.sock`);
  }

  /** A kubeconfig (CA inline, token) valid from every host namespace. */
  get kubeconfig(): string {
    return `${this.dir}/kubeconfig`;
  }

  /** Adds the address to the switch bridge and starts the server there. */
  static async start(c: Cluster): Promise<KubeSwitchApi> {
    await c.switchNs.ip("addr", "replace", `${SWITCH_API_IP}/24`, "dev", "br0");
    const dir = await Deno.makeTempDir({ prefix: "kube-switch-" });
    const child = new Deno.Command("ip", {
      args: [
        "netns",
        "exec",
        c.switchNs.name,
        Deno.execPath(),
        "run",
        "-A",
        "--cached-only",
        `${REPO_ROOT}scripts/lab/kube_api.ts`,
        "--listen",
        `${SWITCH_API_IP}:${SWITCH_API_PORT}`,
        "--unix",
        `${dir}/api.sock`,
        "--kubeconfig",
        `${dir}/kubeconfig`,
        "--bookmark-ms",
        "2000",
      ],
      cwd: REPO_ROOT,
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const log: string[] = [];
    void child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({ write: (t) => void log.push(t) }),
    ).catch(() => {});
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let out = "";
    while (!out.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) {
        await child.status;
        await Deno.remove(dir, { recursive: true });
        throw new Error(`Kubernetes API server did not start: ${log.join("")}`);
      }
      out += value;
    }
    reader.releaseLock();
    void child.stdout.cancel().catch(() => {});
    return new KubeSwitchApi(child, dir, out.trim().replace(/^ready /, ""), log);
  }

  /** Server stderr so far (for failure reports). */
  log(): string {
    return this.#log.join("");
  }

  /** Stops the server (SIGTERM to its pid) and removes its directory. */
  async stop(): Promise<void> {
    this.admin.close();
    try {
      this.#child.kill("SIGTERM");
    } catch { /* already gone */ }
    await this.#child.status;
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}
