/**
 * scripts/deploy: the systemd unit and the cloud-init user data, checked with the real tools
 * (`systemd-analyze verify`, `cloud-init schema`), and the DaemonSet manifest as kubectl reads
 * it; a missing tool ignores its test with the reason.
 */
import { agentCommandLine } from "../../mod/agent/cli.ts";
import { AGENT_V8_FLAGS } from "../../mod/agent/v8_flags.ts";
import { envName, flagEntries } from "../../mod/config/flag_table.ts";
import { assert, assertEquals, assertStringIncludes } from "../harness/assert.ts";
import { exec } from "../../scripts/lab/netns.ts";
import { KubeApiServer } from "../../scripts/lab/kube_api.ts";
import { STOCK_CONFLIST } from "../../mod/cni/install.ts";

const DEPLOY = new URL("../../scripts/deploy/", import.meta.url).pathname;
const UNIT = await Deno.readTextFile(`${DEPLOY}flanneld.service`);
const CLOUD = await Deno.readTextFile(`${DEPLOY}cloud-init.yaml`);

function has(cmd: string): boolean {
  return new Deno.Command("sh", { args: ["-c", `command -v ${cmd}`], stdout: "null" }).outputSync()
    .success;
}
const noSystemd = has("systemd-analyze") ? false : "systemd-analyze is not installed";
const noCloudInit = has("cloud-init") ? false : "cloud-init is not installed";
for (const why of [noSystemd, noCloudInit]) if (why) console.log(`deploy_test: ignored, ${why}`);

/** `systemd-analyze verify` of `unit` with ExecStart pointed at an executable temp copy. */
async function verifyUnit(unit: string): Promise<{ code: number; out: string }> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.copyFile("/bin/true", `${dir}/flanneld`);
    const body = unit.replace(
      /^ExecStart=\/usr\/local\/bin\/flanneld$/m,
      `ExecStart=${dir}/flanneld`,
    );
    await Deno.writeTextFile(`${dir}/flanneld.service`, body);
    const r = await exec("systemd-analyze", ["verify", `${dir}/flanneld.service`]);
    return { code: r.code, out: (r.stdout + r.stderr).trim() };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** `key=value` settings of a unit (comments and sections dropped). */
function settings(unit: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const line of unit.split("\n")) {
    const m = line.match(/^([A-Za-z]+)=(.*)$/);
    if (m) map.set(m[1]!, [...(map.get(m[1]!) ?? []), m[2]!]);
  }
  return map;
}

/** The `content: |` block of the write_files entry for `path`, de-indented. */
function writtenFile(yaml: string, path: string): string {
  const lines = yaml.split("\n");
  const start = lines.findIndex((l) => l.trim() === `- path: ${path}`);
  assert(start >= 0, `no write_files entry for ${path}`);
  const contentAt = lines.findIndex((l, i) => i > start && l.trim() === "content: |");
  const body: string[] = [];
  for (const l of lines.slice(contentAt + 1)) {
    if (l.trim() !== "" && !l.startsWith("      ")) break;
    body.push(l.slice(6));
  }
  while (body.at(-1) === "") body.pop();
  return body.join("\n") + "\n";
}

Deno.test({
  name: "flanneld.service passes systemd-analyze verify without a single warning",
  ignore: noSystemd !== false,
  async fn() {
    assertEquals(await verifyUnit(UNIT), { code: 0, out: "" });
    // The check can fail: a typo'd setting is reported.
    const bad = await verifyUnit(UNIT.replace("Restart=on-failure", "Restart=on-failur"));
    assertStringIncludes(bad.out, "on-failur");
  },
});

Deno.test("flanneld.service: notify, restart, env file, network-online, no KillMode", () => {
  const s = settings(UNIT);
  const one = (k: string) => s.get(k)?.join("|");
  assertEquals(one("Type"), "notify");
  assertEquals(one("Restart"), "on-failure");
  assert(Number(one("RestartSec")) >= 1, "a sane restart delay");
  assertEquals(one("EnvironmentFile"), "-/etc/flannel/flanneld.env");
  assertEquals(one("ExecStart"), "/usr/local/bin/flanneld");
  assertEquals([one("After"), one("Wants")], ["network-online.target", "network-online.target"]);
  assertEquals([s.has("KillMode"), s.has("ExecStop"), s.has("ExecStopPost")], [
    false,
    false,
    false,
  ]);
  assertEquals(one("WantedBy"), "multi-user.target");
});

Deno.test({
  name: "cloud-init.yaml is valid for cloud-init schema",
  ignore: noCloudInit !== false,
  async fn() {
    const r = await exec("cloud-init", ["schema", "--config-file", `${DEPLOY}cloud-init.yaml`]);
    assertEquals(r.code, 0, r.stdout + r.stderr);
    assertStringIncludes(r.stdout, "Valid cloud-config");
    const dir = await Deno.makeTempDir();
    try { // The check can fail.
      await Deno.writeTextFile(`${dir}/bad.yaml`, CLOUD.replace("runcmd:", "runcmd: 5\nx:"));
      assertEquals(
        (await exec("cloud-init", ["schema", "--config-file", `${dir}/bad.yaml`])).code,
        1,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("the unit, cloud-init and the DaemonSet run the agent with AGENT_V8_FLAGS", async () => {
  const daemonSet = await Deno.readTextFile(`${DEPLOY}kube-flannel.yml`);
  const v8 = settings(UNIT).get("Environment")?.filter((e) => e.startsWith("DENO_V8_FLAGS="));
  assertEquals(v8, [`DENO_V8_FLAGS=${AGENT_V8_FLAGS}`]);
  assertStringIncludes(CLOUD, `Environment=DENO_V8_FLAGS=${AGENT_V8_FLAGS}\n`);
  const m = daemonSet.match(/- name: DENO_V8_FLAGS\n\s+value: "([^"]*)"/);
  assertEquals(m?.[1], AGENT_V8_FLAGS);
});

Deno.test("cloud-init.yaml embeds flanneld.service verbatim and enables it", () => {
  assertEquals(writtenFile(CLOUD, "/etc/systemd/system/flanneld.service"), UNIT);
  assertStringIncludes(CLOUD, "systemctl enable --now flanneld.service");
  assertStringIncludes(CLOUD, "/usr/local/bin/flanneld");
});

Deno.test("cloud-init.yaml writes only real FLANNELD_* flags, which the agent accepts", () => {
  const known = new Set(flagEntries().map(([, def]) => envName(def.name)));
  const env: Record<string, string> = {};
  for (const line of writtenFile(CLOUD, "/etc/flannel/flanneld.env").trim().split("\n")) {
    const [k, ...v] = line.split("=");
    assert(known.has(k!), `${k} is not a flanneld flag`);
    env[k!] = v.join("=");
  }
  const errors: string[] = [];
  const r = agentCommandLine([], env, { stdout: () => {}, stderr: (t) => errors.push(t) });
  assert("options" in r, errors.join(""));
  assertEquals(errors, []);
  const conf = JSON.parse(writtenFile(CLOUD, "/etc/flannel/net-conf.json"));
  assertEquals(conf.Network, "10.244.0.0/16");
});

const kubectlPath = ["/usr/bin/kubectl", "/usr/local/bin/kubectl"].find((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
});
if (kubectlPath === undefined) console.log("deploy_test: kubectl is not installed");

// deno-lint-ignore no-explicit-any
type Obj = any;

/** kube-flannel.yml as the objects kubectl reads from it (client dry run, test API server). */
async function manifestObjects(): Promise<Obj[]> {
  const api = await KubeApiServer.start();
  const dir = await Deno.makeTempDir({ prefix: "kubectl-" });
  try {
    await api.writeKubeconfig(`${dir}/kubeconfig`);
    const r = await exec(kubectlPath!, [
      "--kubeconfig",
      `${dir}/kubeconfig`,
      `--cache-dir=${dir}/cache`,
      "create",
      "--dry-run=client",
      "-o",
      "json",
      "-f",
      `${DEPLOY}kube-flannel.yml`,
    ]);
    assertEquals(r.code, 0, r.stderr);
    // One JSON document per object, one after the other.
    return JSON.parse(`[${r.stdout.trim().replace(/\n}\n{/g, "\n},\n{")}]`);
  } finally {
    await api.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "kube-flannel.yml keeps upstream's ConfigMap keys, env, args, volumes and tolerations",
  ignore: kubectlPath === undefined,
  async fn() {
    const objs = await manifestObjects();
    assertEquals(objs.map((o) => o.kind), [
      "Namespace",
      "ClusterRole",
      "ClusterRoleBinding",
      "ServiceAccount",
      "ConfigMap",
      "DaemonSet",
    ]);
    const byKind = (k: string) => objs.find((o) => o.kind === k);
    // spec/flannel.md §8.1, cni.md §4.2: the ConfigMap keys the install step and agent read.
    const cm = byKind("ConfigMap");
    assertEquals([cm.metadata.name, cm.metadata.namespace], ["kube-flannel-cfg", "kube-flannel"]);
    assertEquals(Object.keys(cm.data).sort(), ["cni-conf.json", "net-conf.json"]);
    assertEquals(JSON.parse(cm.data["cni-conf.json"]), JSON.parse(STOCK_CONFLIST));
    assertEquals(JSON.parse(cm.data["net-conf.json"]), {
      Network: "10.244.0.0/16",
      EnableNFTables: false,
      Backend: { Type: "vxlan" },
    });
    const ds = byKind("DaemonSet");
    assertEquals([ds.metadata.name, ds.spec.selector.matchLabels], ["kube-flannel-ds", {
      app: "flannel",
    }]);
    const pod = ds.spec.template.spec;
    assertEquals([pod.hostNetwork, pod.serviceAccountName, pod.priorityClassName], [
      true,
      "flannel",
      "system-node-critical",
    ]);
    assertEquals(pod.tolerations, [{ operator: "Exists", effect: "NoSchedule" }]);
    const c = pod.containers.find((x: Obj) => x.name === "kube-flannel");
    assertEquals(c.command, ["/opt/bin/flanneld"]);
    assertEquals(c.args, ["--ip-masq", "--kube-subnet-mgr", "--healthz-port=8081"]);
    const env = Object.fromEntries(
      c.env.map((e: Obj) => [e.name, e.value ?? e.valueFrom.fieldRef.fieldPath]),
    );
    assertEquals(env.POD_NAME, "metadata.name");
    assertEquals(env.POD_NAMESPACE, "metadata.namespace");
    assertEquals([env.EVENT_QUEUE_DEPTH, env.CONT_WHEN_CACHE_NOT_READY], ["5000", "false"]);
    const mounts = Object.fromEntries(c.volumeMounts.map((m: Obj) => [m.name, m.mountPath]));
    assertEquals(mounts, {
      run: "/run/flannel",
      "flannel-cfg": "/etc/kube-flannel/",
      "xtables-lock": "/run/xtables.lock",
    });
    const vols = Object.fromEntries(
      pod.volumes.map((v: Obj) => [v.name, v.hostPath?.path ?? `configMap:${v.configMap.name}`]),
    );
    assertEquals(vols, {
      run: "/run/flannel",
      "cni-plugin": "/opt/cni/bin",
      cni: "/etc/cni/net.d",
      "flannel-cfg": "configMap:kube-flannel-cfg",
      "xtables-lock": "/run/xtables.lock",
    });
    // The install step writes upstream's conflist path from the ConfigMap key.
    const init = pod.initContainers[0];
    assertEquals(init.args.slice(2), [
      "--conf-src=/etc/kube-flannel/cni-conf.json",
      "--conf-dest=/etc/cni/net.d/10-flannel.conflist",
    ]);
  },
});
