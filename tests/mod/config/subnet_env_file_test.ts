import { assert, assertEquals, assertRejects } from "../../harness/assert.ts";
import { createLogger } from "../../../mod/log.ts";
import {
  loadSubnetEnv,
  readPreviousSubnets,
  readSubnetEnvFile,
  writeSubnetEnvFile,
} from "../../../mod/config/subnet_env_file.ts";

const TEXT = "FLANNEL_NETWORK=10.1.0.0/16\nFLANNEL_SUBNET=10.1.74.1/24\nFLANNEL_MTU=1472\n" +
  "FLANNEL_IPMASQ=false\n";

function capture() {
  const lines: string[] = [];
  return { lines, log: createLogger({ write: (l) => lines.push(l), pid: 0 }) };
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "subnet_env_file_test." });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const mode = async (p: string) => (await Deno.stat(p)).mode! & 0o777;

Deno.test("writeSubnetEnvFile() creates 0755 parents and a 0644 file whatever the umask", async () => {
  await withTempDir(async (dir) => {
    const old = Deno.umask(0o077);
    try {
      const path = `${dir}/run/flannel/subnet.env`;
      await writeSubnetEnvFile(path, TEXT);
      assertEquals(await Deno.readTextFile(path), TEXT);
      assertEquals(await mode(path), 0o644);
      assertEquals(await mode(`${dir}/run/flannel`), 0o755);
      assertEquals(await mode(`${dir}/run`), 0o755);
    } finally {
      Deno.umask(old);
    }
  });
});

Deno.test("writeSubnetEnvFile() replaces the old file by rename and leaves no temp file", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/subnet.env`;
    await Deno.writeTextFile(path, "OLD=1\n");
    await Deno.chmod(path, 0o600);
    const before = (await Deno.stat(path)).ino;
    await writeSubnetEnvFile(path, TEXT);
    assertEquals(await Deno.readTextFile(path), TEXT);
    assertEquals(await mode(path), 0o644);
    assert(
      (await Deno.stat(path)).ino !== before,
      "a new inode: renamed into place, not rewritten",
    );
    const names = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    assertEquals(names, ["subnet.env"]);
  });
});

Deno.test("writeSubnetEnvFile() fails cleanly when the target is a directory", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/subnet.env`;
    await Deno.mkdir(path);
    await assertRejects(() => writeSubnetEnvFile(path, TEXT));
    const names = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    assertEquals(names, ["subnet.env"], "the temp file was removed");
  });
});

Deno.test("readPreviousSubnets() reads back the written file; a missing file gives none", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/subnet.env`;
    const { lines, log } = capture();
    assertEquals(await readSubnetEnvFile(path), null);
    const missing = await readPreviousSubnets(path, log);
    assertEquals([missing.subnet, missing.ipv6Subnet], [null, null]);
    assertEquals(lines.length, 2); // upstream warns "no subnet found" for both keys
    await writeSubnetEnvFile(path, TEXT);
    const prev = await readPreviousSubnets(path, log);
    assertEquals([prev.subnet?.toString(), prev.ipv6Subnet], ["10.1.74.0/24", null]);
  });
});

Deno.test("loadSubnetEnv() logs an unreadable file and returns no variables", async () => {
  await withTempDir(async (dir) => {
    const { lines, log } = capture();
    assertEquals((await loadSubnetEnv(dir, log)).size, 0); // a directory cannot be read as text
    assertEquals(lines.length, 1);
    assert(lines[0]!.includes(`Couldn't read subnet file at ${dir}`), lines[0]);
  });
});
