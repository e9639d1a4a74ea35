/**
 * scripts/deploy: the systemd unit and the cloud-init user data, checked with the real tools
 * (`systemd-analyze verify`, `cloud-init schema`); a missing tool ignores its test with the reason.
 */
import { agentCommandLine } from "../../mod/agent/cli.ts";
import { envName, flagEntries } from "../../mod/config/flag_table.ts";
import { assert, assertEquals, assertStringIncludes } from "../harness/assert.ts";
import { exec } from "../harness/netns.ts";

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
