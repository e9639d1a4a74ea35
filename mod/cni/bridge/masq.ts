/**
 * `ipMasq` rules exactly as the reference bridge installs them (iptables backend, spec/cni.md
 * §3.1 step 9): in table `nat`, a chain `CNI-<24 hex of sha512(network + id)>` holding
 * `-d <subnet> -j ACCEPT` and `! -d <multicast> -j MASQUERADE`, jumped to from POSTROUTING
 * for the pod's address; every rule commented `name: "<network>" id: "<id>"`.
 *
 * Design notes: rules go through the `iptables`/`ip6tables` binaries (as go-iptables does),
 * so they land in whatever backend the host's iptables uses and stay readable by the
 * reference's teardown. Teardown treats "does not exist" as done — the reference fails a DEL
 * there (observed with iptables-nft), which would leave the pod's address allocated.
 */
import { type IPAddr, IPNet } from "../../ip/mod.ts";
import { runCommand } from "../../process/run.ts";

/** Runs one iptables command; resolves to its exit code and stderr. */
export type IptablesRunner = (
  family: 4 | 6,
  args: string[],
) => Promise<{ code: number; stderr: string }>;

/**
 * The real runner: `iptables`/`ip6tables --wait ...` through the process runner (a missing
 * binary throws `CommandNotFoundError`: `exec: "iptables": executable file not found in $PATH`).
 */
export const runIptables: IptablesRunner = async (family, args) => {
  const bin = family === 4 ? "iptables" : "ip6tables";
  const r = await runCommand([bin, ...args, "--wait"]);
  return { code: r.code, stderr: r.stderr };
};

/** `CNI-` + the first 24 hex digits of sha512(name + id) (utils.FormatChainName). */
export async function masqChainName(network: string, id: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-512", new TextEncoder().encode(network + id));
  const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `CNI-${hex}`.slice(0, 28);
}

/** `name: "<network>" id: "<id>"` (utils.FormatComment, Go `%q`). */
export function masqComment(network: string, id: string): string {
  return `name: ${JSON.stringify(network)} id: ${JSON.stringify(id)}`;
}

const MULTICAST = { 4: "224.0.0.0/4", 6: "ff00::/8" } as const;

function rules(ip: IPAddr, prefixLen: number, chain: string, comment: string) {
  const c = ["-m", "comment", "--comment", comment];
  return {
    accept: ["-d", IPNet.of(ip, prefixLen).toString(), "-j", "ACCEPT", ...c],
    masq: ["!", "-d", MULTICAST[ip.family], "-j", "MASQUERADE", ...c],
    jump: ["-s", ip.toString(), "-j", chain, ...c],
  };
}

async function must(run: IptablesRunner, fam: 4 | 6, args: string[]): Promise<void> {
  const r = await run(fam, args);
  if (r.code !== 0) {
    throw new Error(`running [iptables ${args.join(" ")}]: exit status ${r.code}: ${r.stderr}`);
  }
}

async function appendUnique(run: IptablesRunner, fam: 4 | 6, chain: string, rule: string[]) {
  if ((await run(fam, ["-t", "nat", "-C", chain, ...rule])).code === 0) return;
  await must(run, fam, ["-t", "nat", "-A", chain, ...rule]);
}

/** Installs the rules for one pod address (idempotent). */
export async function setupMasq(
  run: IptablesRunner,
  ip: IPAddr,
  prefixLen: number,
  chain: string,
  comment: string,
): Promise<void> {
  const fam = ip.family;
  if ((await run(fam, ["-t", "nat", "-L", chain, "-n"])).code !== 0) {
    await must(run, fam, ["-t", "nat", "-N", chain]);
  }
  const r = rules(ip, prefixLen, chain, comment);
  await appendUnique(run, fam, chain, r.accept);
  await appendUnique(run, fam, chain, r.masq);
  await appendUnique(run, fam, "POSTROUTING", r.jump);
}

const GONE = /does not exist|No chain\/target\/match|Bad rule|No such file/i;

async function tolerant(run: IptablesRunner, fam: 4 | 6, args: string[]): Promise<void> {
  const r = await run(fam, args);
  if (r.code !== 0 && !GONE.test(r.stderr)) {
    throw new Error(`running [iptables ${args.join(" ")}]: exit status ${r.code}: ${r.stderr}`);
  }
}

/** Removes the rules of one pod address; anything already gone is fine. */
export async function teardownMasq(
  run: IptablesRunner,
  ip: IPAddr,
  prefixLen: number,
  chain: string,
  comment: string,
): Promise<void> {
  const fam = ip.family;
  const c = ["-m", "comment", "--comment", comment];
  await tolerant(run, fam, [
    "-t",
    "nat",
    "-D",
    "POSTROUTING",
    ...rules(ip, prefixLen, chain, comment).jump,
  ]);
  // Older releases jumped from `-s <ip>/<prefix>`.
  const old = ["-s", `${ip}/${prefixLen}`, "-j", chain, ...c];
  await tolerant(run, fam, ["-t", "nat", "-D", "POSTROUTING", ...old]);
  await tolerant(run, fam, ["-t", "nat", "-F", chain]);
  await tolerant(run, fam, ["-t", "nat", "-X", chain]);
}
