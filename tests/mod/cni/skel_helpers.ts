/** Injected IO for CNI protocol tests: env + stdin in, captured stdout/stderr out. */
import type { CniIO } from "../../../mod/cni/skel.ts";

export interface Captured {
  io: CniIO;
  out(): string;
  err(): string;
}

/** IO with the given env and stdin text; `ownNetns` simulates CNI_NETNS = our own netns. */
export function fakeIO(
  env: Record<string, string>,
  stdin: string | Uint8Array = "",
  ownNetns = false,
): Captured {
  let out = "", err = "";
  const bytes = typeof stdin === "string" ? new TextEncoder().encode(stdin) : stdin;
  return {
    io: {
      env,
      readStdin: () => Promise.resolve(bytes),
      writeStdout: (t) => {
        out += t;
        return Promise.resolve();
      },
      writeStderr: (t) => {
        err += t;
        return Promise.resolve();
      },
      isOwnNetns: () => ownNetns,
    },
    out: () => out,
    err: () => err,
  };
}

/** The env a runtime sets for `cmd` on a normal call. */
export function cniEnv(cmd: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    CNI_COMMAND: cmd,
    CNI_CONTAINERID: "ctr1",
    CNI_NETNS: "/var/run/netns/pod",
    CNI_IFNAME: "eth0",
    CNI_PATH: "/opt/cni/bin",
    ...extra,
  };
}
