import { assert, assertEquals, assertStringIncludes } from "../../harness/assert.ts";
import {
  bundledPlugin,
  CNI_ENTRY,
  installCni,
  pluginSource,
  sourceLauncher,
  STOCK_CONFLIST,
  writeAtomic,
} from "../../../mod/cni/install.ts";
import { withTempDir } from "./temp_dir.ts";

function capture() {
  let out = "", err = "";
  return {
    io: { stdout: (t: string) => void (out += t), stderr: (t: string) => void (err += t) },
    out: () => out,
    err: () => err,
  };
}

const origin = (env: Record<string, string> = {}, standalone = false) => ({
  env,
  execPath: "/usr/bin/deno",
  standalone,
});

Deno.test("STOCK_CONFLIST is kube-flannel.yml's cni-conf.json", () => {
  assertEquals(JSON.parse(STOCK_CONFLIST), {
    name: "cbr0",
    cniVersion: "0.3.1",
    plugins: [
      { type: "flannel", delegate: { hairpinMode: true, isDefaultGateway: true } },
      { type: "portmap", capabilities: { portMappings: true } },
    ],
  });
});

Deno.test("pluginSource(): launcher, then compiled binary, then the source tree's CNI entry", () => {
  assertEquals(pluginSource(origin({ FLANNEL_ARGV0: "/opt/bin/flanneld" })), {
    file: "/opt/bin/flanneld",
  });
  assertEquals(pluginSource(origin({}, true)), { file: "/usr/bin/deno" });
  assertEquals(pluginSource(origin()), { entry: CNI_ENTRY });
  assert(Deno.statSync(CNI_ENTRY).isFile);
  assertEquals(
    sourceLauncher("/d/deno", "/s/entry.ts").split("\n")[2],
    "DENO_NO_UPDATE_CHECK=1 exec '/d/deno' run -A --cached-only --no-prompt --v8-flags=--no-lazy '/s/entry.ts' \"$@\"",
  );
  const b = bundledPlugin("/d/it's", "console.log(1);").split("\n");
  assertEquals(b[0], "#!/bin/sh");
  assertEquals(
    b[1],
    `":" //; DENO_NO_UPDATE_CHECK=1 exec '/d/it'\\''s' run -A --no-config --no-lock --cached-only --v8-flags=--no-lazy --ext=js "$0" "$@"`,
  );
  assertEquals(b.at(-1), "console.log(1);");
});

Deno.test("writeAtomic() writes the mode and leaves no temp file", () =>
  withTempDir(async (dir) => {
    await writeAtomic(`${dir}/sub/f`, new TextEncoder().encode("x"), 0o640);
    assertEquals(await Deno.readTextFile(`${dir}/sub/f`), "x");
    assertEquals((await Deno.stat(`${dir}/sub/f`)).mode! & 0o777, 0o640);
    assertEquals([...Deno.readDirSync(`${dir}/sub`)].map((e) => e.name), ["f"]);
  }));

Deno.test("installCni SRC DEST behaves like upstream install-conf", () =>
  withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/src.json`, '{"name":"x"}');
    await Deno.chmod(`${dir}/src.json`, 0o640);
    const c = capture();
    assertEquals(
      await installCni([`${dir}/src.json`, `${dir}/net.d/10-flannel.conflist`], origin(), c.io),
      0,
    );
    assertEquals(await Deno.readTextFile(`${dir}/net.d/10-flannel.conflist`), '{"name":"x"}');
    assertEquals((await Deno.stat(`${dir}/net.d/10-flannel.conflist`)).mode! & 0o777, 0o640);
    const bad = capture();
    assertEquals(await installCni([`${dir}/none`, `${dir}/d`], origin(), bad.io), 1);
    assertStringIncludes(bad.err(), `error installing "${dir}/none": `);
    const usage = capture();
    assertEquals(await installCni(["a", "b", "c"], origin(), usage.io), 1);
    assertStringIncludes(usage.err(), "Usage: install-cni");
  }));

Deno.test("installCni with flags: plugin from the launcher, stock or given conflist", () =>
  withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/launcher`, "#!/bin/sh\necho flanneld\n");
    const c = capture();
    const code = await installCni(
      ["--bin-dir", `${dir}/bin`, `--conf-dest=${dir}/net.d/10-flannel.conflist`],
      origin({ FLANNEL_ARGV0: `${dir}/launcher` }),
      c.io,
    );
    assertEquals(code, 0, c.err());
    assertEquals(await Deno.readTextFile(`${dir}/bin/flannel`), "#!/bin/sh\necho flanneld\n");
    assertEquals((await Deno.stat(`${dir}/bin/flannel`)).mode! & 0o777, 0o755);
    assertEquals(await Deno.readTextFile(`${dir}/net.d/10-flannel.conflist`), STOCK_CONFLIST);
    await Deno.writeTextFile(`${dir}/custom.json`, "{}");
    const args = [
      "--skip-bin",
      "--conf-src",
      `${dir}/custom.json`,
      "--conf-dest",
      `${dir}/c.conflist`,
    ];
    assertEquals(await installCni(args, origin(), capture().io), 0);
    assertEquals(await Deno.readTextFile(`${dir}/c.conflist`), "{}");
    const bad = capture();
    assertEquals(await installCni(["--bogus"], origin(), bad.io), 1);
    assertStringIncludes(bad.err(), 'Unknown flag "--bogus"');
    assertEquals(await installCni(["--help"], origin(), capture().io), 0);
  }));
