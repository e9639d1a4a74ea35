/**
 * Composition root: picks the face (CNI plugin, operator tool, agent), builds its pieces and
 * runs it. Heavy modules (store clients) are loaded with `await import()` only by the face
 * that needs them, so a CNI call costs one small process start.
 */
import { selectMode } from "./mod/mode.ts";
import { UPSTREAM_VERSION, VERSION } from "./mod/version.ts";

function invokedAs(): string {
  const fromLauncher = Deno.env.get("FLANNEL_ARGV0");
  if (fromLauncher) return fromLauncher;
  if (Deno.build.standalone) {
    // A compiled binary: argv[0] keeps the name it was called by (`flannel` symlink).
    const argv = new TextDecoder().decode(Deno.readFileSync("/proc/self/cmdline")).split("\0");
    return argv[0] ?? Deno.execPath();
  }
  return Deno.mainModule;
}

/** A synchronous writer of whole texts (a pipe may take a large text in several writes). */
function writer(file: { writeSync(p: Uint8Array): number }): (text: string) => void {
  return (text) => {
    const bytes = new TextEncoder().encode(text);
    for (let off = 0; off < bytes.length;) off += file.writeSync(bytes.subarray(off));
  };
}

const consoleIO = { stdout: writer(Deno.stdout), stderr: writer(Deno.stderr) };

async function main(): Promise<number> {
  const mode = selectMode(Deno.env.toObject(), Deno.args, invokedAs());
  switch (mode.kind) {
    case "cni": {
      const { runCniMode } = await import("./mod/cni/mod.ts");
      return await runCniMode();
    }
    case "tool":
      if (mode.tool === "version") {
        console.log(`flanneld ${VERSION} (compatible with flannel ${UPSTREAM_VERSION})`);
        return 0;
      }
      if (mode.tool === "install-cni") {
        const { installCni } = await import("./mod/cni/install.ts");
        const origin = {
          env: Deno.env.toObject(),
          execPath: Deno.execPath(),
          standalone: Deno.build.standalone,
        };
        return await installCni(mode.args, origin, consoleIO);
      }
      if (mode.tool === "status") {
        const { runStatus } = await import("./mod/status/run.ts");
        return await runStatus(mode.args, Deno.env.toObject(), consoleIO);
      }
      console.error(`"${mode.tool}" is not implemented yet`);
      return 1;
    case "agent": {
      const cli = await import("./mod/agent/cli.ts");
      const parsed = cli.agentCommandLine(mode.args, Deno.env.toObject(), consoleIO);
      if ("exit" in parsed) return parsed.exit;
      const { runAgentFace } = await import("./main_agent.ts");
      return await runAgentFace(parsed.options);
    }
  }
}

if (import.meta.main) Deno.exit(await main());
