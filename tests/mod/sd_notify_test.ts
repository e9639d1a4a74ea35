import { notifyReady, notifyStopping, sdNotify, SdNotifyError } from "../../mod/sd_notify.ts";
import { runCommand } from "../../mod/process/run.ts";
import { assertEquals, assertRejects } from "../harness/assert.ts";

/** A real unix datagram listener (python3) printing each message and the sender's PID. */
const LISTENER = `
import socket, struct, sys
path = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind("\\0" + path[1:] if path.startswith("@") else path)
print("ready", flush=True)
s.settimeout(10)
msg, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
pid = [struct.unpack("iII", d[:12])[0] for (l, t, d) in anc if t == socket.SCM_CREDENTIALS]
print(repr(msg.decode()) + " " + str(pid[0] if pid else None), flush=True)
`;

function which(cmd: string): boolean {
  try {
    return new Deno.Command("sh", { args: ["-c", `command -v ${cmd}`], stdout: "null" })
      .outputSync()
      .success;
  } catch {
    return false;
  }
}
const missing = ["python3", "systemd-notify"].filter((c) => !which(c));
const ignore = missing.length > 0;
if (ignore) console.log(`sd_notify_test: real-socket tests ignored, missing ${missing.join(", ")}`);

/** Starts the listener on `socket`, runs `send`, returns what the listener received. */
async function receive(socket: string, send: () => Promise<unknown>): Promise<string> {
  const child = new Deno.Command("python3", {
    args: ["-c", LISTENER, socket],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  try {
    while (!out.includes("ready\n")) out += (await lines.read()).value ?? "";
    await send();
    while (out.split("\n").length < 3) {
      const { value, done } = await lines.read();
      if (done) break;
      out += value;
    }
    return out.split("\n")[1] ?? "";
  } finally {
    lines.releaseLock();
    await child.stdout.cancel().catch(() => {});
    try {
      child.kill();
    } catch { /* exited */ }
    await child.status;
  }
}

Deno.test({
  name: "notifyReady() delivers READY=1 to a path socket with our PID as sender",
  ignore,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const socket = `${dir}/notify.sock`;
      const got = await receive(socket, () => notifyReady({ env: { NOTIFY_SOCKET: socket } }));
      const asRoot = Deno.uid() === 0; // only root may send another process's PID
      assertEquals(got, `'MAINPID=${Deno.pid}\\nREADY=1' ${asRoot ? Deno.pid : got.split(" ")[1]}`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "notifyStopping() delivers STOPPING=1 to an abstract @socket",
  ignore,
  async fn() {
    const socket = `@flannel-sd-notify-test-${Deno.pid}`;
    const got = await receive(
      socket,
      () => notifyStopping({ env: { NOTIFY_SOCKET: socket }, pid: Deno.ppid }),
    );
    assertEquals(got.split(" ")[0], `'MAINPID=${Deno.ppid}\\nSTOPPING=1'`);
  },
});

Deno.test({
  name: "sdNotify() fails with SdNotifyError when nobody listens",
  ignore,
  async fn() {
    await assertRejects(
      () => notifyReady({ env: { NOTIFY_SOCKET: "/nonexistent/flannel.sock" } }),
      SdNotifyError,
      `Cannot notify systemd at "/nonexistent/flannel.sock"`,
    );
  },
});

Deno.test("sdNotify() does nothing without NOTIFY_SOCKET", async () => {
  let spawned = 0;
  const spawn = () => (spawned++, Promise.resolve({ code: 0, stderr: "" }));
  assertEquals(await notifyReady({ env: {}, spawn }), false);
  assertEquals(await notifyReady({ env: { NOTIFY_SOCKET: "" }, spawn }), false);
  assertEquals(spawned, 0);
});

Deno.test("sdNotify() passes the socket and our PID to systemd-notify", async () => {
  const calls: unknown[] = [];
  const spawn = (cmd: string, args: string[], env: Record<string, string>) => (
    calls.push([cmd, args, env]), Promise.resolve({ code: 0, stderr: "" })
  );
  assertEquals(
    await sdNotify(["READY=1", "STATUS=up"], { env: { NOTIFY_SOCKET: "@x" }, pid: 7, spawn }),
    true,
  );
  assertEquals(calls, [["systemd-notify", ["--no-block", "--pid=7", "READY=1", "STATUS=up"], {
    NOTIFY_SOCKET: "@x",
  }]]);
});

Deno.test("sdNotify() rejects malformed states and a missing systemd-notify", async () => {
  const env = { NOTIFY_SOCKET: "@x" };
  await assertRejects(
    () => sdNotify(["READY=1\nMAINPID=1"], { env }),
    SdNotifyError,
    "Invalid notification",
  );
  const spawn = () => Promise.reject(new Deno.errors.NotFound("systemd-notify"));
  const err = await assertRejects(() => notifyReady({ env, spawn }), SdNotifyError, `"@x"`);
  assertEquals(err.code, "ESDNOTIFY");
  const gone = () => runCommand(["flannel-no-such-notify"]);
  const e2 = await assertRejects(() => notifyReady({ env, spawn: gone }), SdNotifyError);
  assertEquals(
    e2.message,
    'Cannot notify systemd at "@x": exec: "flannel-no-such-notify": executable file not found in $PATH',
  );
});
