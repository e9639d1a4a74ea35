/**
 * A small in-memory iptables for unit tests: understands `--version`, `-t T -S CHAIN`,
 * `-t T -C CHAIN spec…` and `iptables-restore --noflush` payloads (`:CHAIN`, `-A`, `-D`, `-F`,
 * `-X`), with rules kept as the `-A …` lines `iptables -S` would print. Every call is recorded.
 * Anything it does not understand fails loudly, so a test cannot pass on a command the real
 * tool would reject.
 */
import type { CommandResult, CommandRunner } from "../../../mod/firewall/runner.ts";
import { renderSpec, splitListingLine } from "../../../mod/firewall/rules.ts";

const BUILTIN: Record<string, string[]> = {
  nat: ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
  filter: ["INPUT", "FORWARD", "OUTPUT"],
};

export interface Call {
  cmd: string;
  args: string[];
  stdin?: string;
}

export class FakeIptables {
  /** `family/table/chain` → rule lines (`-A CHAIN …`). */
  readonly chains = new Map<string, string[]>();
  readonly calls: Call[] = [];
  version = "v1.8.9 (nf_tables)";
  /** Commands that are "not installed". */
  readonly missing = new Set<string>();

  constructor() {
    for (const fam of ["4", "6"]) {
      for (const [t, cs] of Object.entries(BUILTIN)) {
        for (const c of cs) this.chains.set(`${fam}/${t}/${c}`, []);
      }
    }
  }

  chain(family: 4 | 6, table: string, chain: string): string[] | undefined {
    return this.chains.get(`${family}/${table}/${chain}`);
  }

  readonly run: CommandRunner = (cmd, args, stdin) => {
    this.calls.push({ cmd, args: [...args], ...(stdin === undefined ? {} : { stdin }) });
    if (this.missing.has(cmd)) return Promise.resolve(res(127, "", "not found"));
    const fam = cmd.startsWith("ip6") ? "6" : "4";
    if (cmd.endsWith("-restore")) return Promise.resolve(this.#restore(fam, args, stdin ?? ""));
    if (cmd === "iptables" || cmd === "ip6tables") return Promise.resolve(this.#cli(fam, args));
    return Promise.resolve(res(127, "", `unknown command ${cmd}`));
  };

  #cli(fam: string, argv: readonly string[]): CommandResult {
    const args = argv.filter((a) => a !== "--wait");
    if (args[0] === "--version") return res(0, `${this.#name(fam)} ${this.version}\n`);
    if (args[0] !== "-t") return res(2, "", "fake: expected -t");
    const key = `${fam}/${args[1]}/${args[3]}`;
    const lines = this.chains.get(key);
    if (args[2] === "-S") {
      if (!lines) return res(1, "", "No chain/target/match by that name.");
      const isBuiltin = BUILTIN[args[1]!]?.includes(args[3]!);
      const head = isBuiltin ? `-P ${args[3]} ACCEPT` : `-N ${args[3]}`;
      return res(0, [head, ...lines].join("\n") + "\n");
    }
    if (args[2] === "-C") {
      if (!lines) return res(1, "", "No chain/target/match by that name.");
      const target = args[args.indexOf("-j") + 1]!;
      if (target.startsWith("FLANNEL") && !this.chains.has(`${fam}/${args[1]}/${target}`)) {
        return res(2, "", `Chain '${target}' does not exist`); // as iptables-nft 1.8.9 does
      }
      return lines.includes(renderSpec(["-A", ...args.slice(3)])) ? res(0) : res(1, "", "Bad rule");
    }
    return res(2, "", `fake: unsupported ${args.join(" ")}`);
  }

  #restore(fam: string, args: readonly string[], payload: string): CommandResult {
    if (!args.includes("--noflush")) return res(2, "", "fake: restore without --noflush");
    const next = new Map([...this.chains].map(([k, v]) => [k, [...v]]));
    let table = "";
    for (const line of payload.split("\n")) {
      if (line === "" || line === "COMMIT") continue;
      if (line.startsWith("*")) {
        table = line.slice(1);
        continue;
      }
      const err = this.#apply(next, `${fam}/${table}`, line);
      if (err) return res(1, "", `iptables-restore: line failed: ${line}: ${err}`);
    }
    this.chains.clear();
    for (const [k, v] of next) this.chains.set(k, v);
    return res(0);
  }

  #apply(state: Map<string, string[]>, prefix: string, line: string): string | null {
    const words = splitListingLine(line);
    const [op, chain] = [words[0]!, words[1]!];
    const key = `${prefix}/${op.startsWith(":") ? op.slice(1) : chain}`;
    if (op.startsWith(":")) return void state.set(key, []), null;
    const lines = state.get(key);
    if (!lines) return "no such chain";
    const rule = renderSpec(["-A", ...words.slice(1)]);
    if (op === "-A") return void lines.push(rule), null;
    if (op === "-D") {
      const i = lines.indexOf(rule);
      return i < 0 ? "no such rule" : (lines.splice(i, 1), null);
    }
    if (op === "-F") return void lines.splice(0), null;
    if (op === "-X") {
      const used = [...state.values()].some((ls) => ls.some((l) => l.endsWith(`-j ${chain}`)));
      return used ? "chain in use" : (state.delete(key), null);
    }
    return `unsupported ${op}`;
  }

  #name(fam: string): string {
    return fam === "6" ? "ip6tables" : "iptables";
  }
}

function res(code: number, stdout = "", stderr = ""): CommandResult {
  return { code, stdout, stderr };
}
