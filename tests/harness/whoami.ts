/**
 * A tiny HTTP server in a namespace that answers with the client address it saw, so the
 * receiver itself says whether a source was masqueraded; and the client side (`curl` from
 * another namespace).
 */
import type { Netns } from "../../scripts/lab/netns.ts";

/** The server's ports per family. */
export const WHOAMI_PORT = { 4: 8080, 6: 8086 } as const;

/** Starts the server in `ns` (both families); resolves once it listens, with its stopper. */
export async function startWhoami(ns: Netns): Promise<() => Promise<void>> {
  const code = `const h = (_r, i) => new Response(i.remoteAddr.hostname);
    Deno.serve({ hostname: "0.0.0.0", port: ${WHOAMI_PORT[4]}, onListen() {} }, h);
    Deno.serve({ hostname: "::", port: ${WHOAMI_PORT[6]}, onListen() {} }, h);
    console.log("ready");`;
  const child = new Deno.Command("ip", {
    args: ["netns", "exec", ns.name, Deno.execPath(), "eval", "--no-config", code],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    await child.status;
  };
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    let seen = "";
    while (!seen.includes("ready")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`whoami server in ${ns.name} exited`);
      seen += value;
    }
  } catch (err) {
    await stop();
    throw err;
  } finally {
    reader.releaseLock();
  }
  return async () => {
    await stop();
    await child.stdout.cancel().catch(() => {});
  };
}

/** What the server at `ip` saw as our source address, or null when unreachable. */
export async function whoami(from: Netns, ip: string, timeoutS = 3): Promise<string | null> {
  const six = ip.includes(":");
  const url = `http://${six ? `[${ip}]` : ip}:${WHOAMI_PORT[six ? 6 : 4]}/`;
  const r = await from.exec("curl", ["-gs", "--max-time", String(timeoutS), url]);
  return r.code === 0 ? r.stdout : null;
}
