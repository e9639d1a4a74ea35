import { assert, assertEquals, assertRejects, assertStringIncludes } from "../../harness/assert.ts";
import { REPO_ROOT } from "../../../scripts/lab/agent_process.ts";
import { findUpstream, upstreamSourceDir } from "../../../scripts/lab/upstream.ts";

const env = (vars: Record<string, string>) => (k: string) => vars[k];

Deno.test("upstreamSourceDir() is FLANNEL_UPSTREAM_DIR, else ../shared/upstream next to the repo", () => {
  assertEquals(upstreamSourceDir(env({ FLANNEL_UPSTREAM_DIR: "/x/up" })), "/x/up");
  assertEquals(upstreamSourceDir(env({})), `${REPO_ROOT}../shared/upstream`);
});

Deno.test("findUpstream() without the binaries gives the reason to skip, naming the path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await findUpstream(env({ FLANNEL_UPSTREAM_DIR: dir }));
    assertEquals(r.bins, null);
    assertStringIncludes(r.reason ?? "", `"${dir}/unpack" not found`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("findUpstream() with binaries that fail their check throws instead of skipping", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/unpack`, "#!/bin/sh\necho 'sha256sum: FAILED' >&2\nexit 1\n");
    await Deno.chmod(`${dir}/unpack`, 0o755);
    const vars = { FLANNEL_UPSTREAM_DIR: dir, FLANNEL_UPSTREAM_CACHE: `${dir}/cache` };
    const err = await assertRejects(() => findUpstream(env(vars)));
    assertStringIncludes(String(err), "sha256sum: FAILED");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("findUpstream() unpacks the real binaries into the cache when they are there", {
  ignore: !(await Deno.stat(`${upstreamSourceDir()}/unpack`).then(() => true, () => false)),
}, async () => {
  const cache = await Deno.makeTempDir();
  try {
    const r = await findUpstream((k) => k === "FLANNEL_UPSTREAM_CACHE" ? cache : Deno.env.get(k));
    assert(r.bins !== null, r.reason ?? "");
    assertEquals(r.bins.flanneld, `${cache}/flanneld-v0.22.0`);
    const v = await new Deno.Command(r.bins.flanneld, { args: ["--version"] }).output();
    assertStringIncludes(
      new TextDecoder().decode(v.stdout) + new TextDecoder().decode(v.stderr),
      "v0.22.0",
    );
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
});
