/**
 * The phase table of the CNI benchmark: where a traced call (`FLANNEL_CNI_TRACE=1`, see
 * mod/cni/mod.ts) spends its time, from the caller's spawn to the process's exit.
 */

/** One timed call: total ms from spawn to exit, and its trace marks (ms after the spawn). */
export interface Timed {
  variant: string;
  ms: number;
  code: number;
  out: string;
  marks: [string, number][];
}

/** What each mark ends (the phase from the previous mark to it). */
const PHASES: Record<string, string> = {
  origin: "Deno starts (exec → the runtime's time origin)",
  start: "plugin loaded (file, code cache) and its modules initialised",
  delegate: "flannel: stdin, config, subnet.env, delegate config, state file",
  "host-netlink": "bridge code initialised, netlink socket (first: dlopen libmnl + libc)",
  bridge: "`cni0` looked up (created on the first pod), accept_ra",
  "pod-netlink": "netlink socket inside the pod's netns",
  veth: "veth pair created in the pod, peer moved to the host, up, on the bridge, hairpin",
  ipam: "host-local: flock, scan of the store, reserve (ADD) or release (DEL) the address",
  "pod-config": "pod sysctls, address, link up, routes",
  gateway: "gateway address on the bridge checked, ip_forward",
  result: "bridge MAC re-read, result built",
  "pod-link": "bridge code initialised, dlopen, netlink in the pod, delete its veth (kernel)",
  masq: "masquerade rules",
  end: "result printed, call done",
  exit: "process exit (after the last mark)",
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
}

/**
 * Median duration of each phase over `timed` (calls with the same mark sequence), in the
 * order of the marks, with what the phase covers; the last row is the median total.
 */
export function phaseTable(title: string, timed: Timed[]): string[] {
  if (timed.length === 0) return [];
  const labels = [...timed[0]!.marks.map(([l]) => l), "exit"];
  const deltas = (t: Timed) => {
    const at = [...t.marks.map(([, ms]) => ms), t.ms];
    return at.map((ms, i) => ms - (i === 0 ? 0 : at[i - 1]!));
  };
  const same = timed.filter((t) => t.marks.map(([l]) => l).join() === labels.slice(0, -1).join());
  const rows = labels.map((l, i) => {
    const ms = median(same.map((t) => deltas(t)[i]!));
    return `| ${l} | ${PHASES[l] ?? ""} | ${ms.toFixed(1)} ms |`;
  });
  return [
    `| ${title}, n = ${same.length} | covers | median |`,
    "| --- | --- | --- |",
    ...rows,
    `| total | spawn → exit | ${median(same.map((t) => t.ms)).toFixed(1)} ms |`,
  ];
}
