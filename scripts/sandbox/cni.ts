/**
 * Pods wired the way a container runtime does it: our program in CNI mode, run as a real
 * subprocess in the host's namespace with the `CNI_*` environment and the flannel entry of the
 * stock kube-flannel conflist on stdin, `CNI_NETNS` = the pod's namespace.
 */
import { type CommandResult, runCommand } from "../../mod/process/run.ts";
import { type Netns } from "../lab/netns.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** `cni-conf.json` of upstream's kube-flannel.yml (the ConfigMap the DaemonSet installs). */
export const STOCK_CONFLIST = {
  name: "cbr0",
  cniVersion: "0.3.1",
  plugins: [
    { type: "flannel", delegate: { hairpinMode: true, isDefaultGateway: true } },
    { type: "portmap", capabilities: { portMappings: true } },
  ],
} as const;

/**
 * PURE: the flannel plugin's stdin as a runtime builds it from the conflist (`name` and
 * `cniVersion` added to the plugin entry), with this host's subnet.env and private state
 * directories instead of /run/flannel and /var/lib/cni (nothing is written outside `dir`).
 */
export function flannelPluginConf(subnetFile: string, dir: string): Record<string, unknown> {
  const [flannel] = STOCK_CONFLIST.plugins;
  return {
    cniVersion: STOCK_CONFLIST.cniVersion,
    name: STOCK_CONFLIST.name,
    ...flannel,
    subnetFile,
    dataDir: `${dir}/flannel`,
    ipam: { dataDir: `${dir}/ipam` },
  };
}

/** One CNI call's outcome. */
export type CniCall = CommandResult;

/** Runs `main.ts` as the CNI plugin (`CNI_COMMAND=<cmd>`) inside `host`. */
export function runCni(
  cmd: "ADD" | "DEL",
  host: Netns,
  pod: Netns,
  containerId: string,
  conf: Record<string, unknown>,
): Promise<CniCall> {
  const deno = [Deno.execPath(), "run", "-A", "--cached-only", "main.ts"];
  return runCommand(["ip", "netns", "exec", host.name, ...deno], {
    cwd: ROOT,
    env: {
      NO_COLOR: "1",
      CNI_COMMAND: cmd,
      CNI_CONTAINERID: containerId,
      CNI_NETNS: pod.path,
      CNI_IFNAME: "eth0",
      CNI_PATH: "/usr/lib/cni:/opt/cni/bin",
    },
    stdin: JSON.stringify(conf),
  });
}

/** PURE: the first address of a CNI ADD result (`10.244.3.2`), or throws with the plugin's error. */
export function resultAddress(call: CniCall): string {
  let doc: { ips?: { address?: string }[]; msg?: string; code?: number };
  try {
    doc = JSON.parse(call.stdout);
  } catch {
    throw new Error(`CNI ADD failed (exit ${call.code}): ${call.stderr.trim() || call.stdout}`);
  }
  const addr = doc.ips?.[0]?.address;
  if (call.code !== 0 || typeof addr !== "string") {
    throw new Error(`CNI ADD failed (exit ${call.code}): ${doc.msg ?? call.stdout}`);
  }
  return addr.split("/")[0]!;
}
