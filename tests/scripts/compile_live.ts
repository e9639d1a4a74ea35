/**
 * The built single file doing real work in a namespace that has no network at all (only
 * `lo` and a veth pair inside it): the agent on the local store leases a subnet, writes
 * subnet.env and answers `/readyz`; the same file linked as `flannel` then wires a pod
 * namespace with a real CNI ADD (and DEL) from that subnet.env. Used by compile_test.ts.
 */
import { assert, assertEquals, assertMatch } from "../harness/assert.ts";
import { exec, type Netns, withNetns } from "../../scripts/lab/netns.ts";

const HEALTHZ = 10256;

/** Runs `args` in `ns` with `env`, `stdin` piped when given. */
function inNs(ns: Netns, args: string[], env: Record<string, string>, stdin?: string) {
  const vars = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  return exec("ip", ["netns", "exec", ns.name, "env", ...vars, ...args], stdin);
}

/** `out` = the built file, `flannel` = a symlink to it, `cache` = its launcher directory. */
export async function agentAndCniOffline(out: string, flannel: string, cache: string) {
  const dir = await Deno.makeTempDir({ prefix: "compile-live-" });
  try {
    await withNetns(2, async (host, pod) => {
      await host.ip("link", "add", "eth0", "type", "veth", "peer", "name", "eth1");
      await host.ip("addr", "add", "198.18.9.1/24", "dev", "eth0");
      await host.ip("link", "set", "eth0", "up");
      await host.ip("link", "set", "eth1", "up");
      await Deno.writeTextFile(
        `${dir}/net-conf.json`,
        '{"Network":"10.244.0.0/16","Backend":{"Type":"vxlan"}}',
      );
      const env = { FLANNEL_LAUNCHER_DIR: cache, NO_COLOR: "1" };
      const agent = new Deno.Command("ip", {
        args: [
          "netns",
          "exec",
          host.name,
          "env",
          ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
          out,
          "--store",
          "local",
          "--local-store-dir",
          `${dir}/leases`,
          "--local-network-config",
          `${dir}/net-conf.json`,
          "--subnet-file",
          `${dir}/subnet.env`,
          "--iface",
          "eth0",
          "--ip-masq",
          "--healthz-port",
          String(HEALTHZ),
        ],
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).spawn();
      const log = new Response(agent.stderr).text();
      let exited = false;
      agent.status.then(() => (exited = true));
      try {
        let ready = "";
        for (let i = 0; i < 300 && ready !== "200" && !exited; i++) {
          const r = await inNs(host, [
            "curl",
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            `http://127.0.0.1:${HEALTHZ}/readyz`,
          ], {});
          ready = r.stdout;
          if (ready !== "200") await new Promise((r) => setTimeout(r, 50));
        }
        assertEquals(ready, "200", "the agent became ready");
        const vars = await Deno.readTextFile(`${dir}/subnet.env`);
        const gw = vars.match(/^FLANNEL_SUBNET=(10\.244\.\d+)\.1\/24$/m);
        assert(gw, vars);
        const conf = JSON.stringify({
          cniVersion: "0.3.1",
          name: "cbr0",
          type: "flannel",
          delegate: { hairpinMode: true, isDefaultGateway: true },
          subnetFile: `${dir}/subnet.env`,
          dataDir: `${dir}/cni`,
          ipam: { dataDir: `${dir}/ipam` },
        });
        const cni = (cmd: string) => ({
          ...env,
          CNI_COMMAND: cmd,
          CNI_CONTAINERID: "c1",
          CNI_NETNS: pod.path,
          CNI_IFNAME: "eth0",
          CNI_PATH: "/usr/lib/cni",
        });
        const add = await inNs(host, [flannel], cni("ADD"), conf);
        assertEquals(add.code, 0, add.stderr + add.stdout);
        assertEquals(JSON.parse(add.stdout).ips[0].address, `${gw[1]}.2/24`);
        const ping = await inNs(pod, ["ping", "-c1", "-W2", `${gw[1]}.1`], {});
        assertEquals(ping.code, 0, "the pod reaches its gateway on cni0");
        const del = await inNs(host, [flannel], cni("DEL"), conf);
        assertEquals(del.code, 0, del.stderr);
      } finally {
        try {
          agent.kill("SIGTERM");
        } catch { /* exited */ }
        const status = await agent.status;
        const text = await log;
        assertEquals(status.code, 0, text);
        assertMatch(text, /Exiting cleanly\.\.\./);
      }
    }, "fwl");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
