/**
 * What the agent writes to subnet.env once ready: the enabled families' network and lease,
 * the backend's MTU and `--ip-masq`. Pure; the file is written by mod/config/subnet_env_file.
 */
import { formatSubnetEnv } from "../config/subnet_env.ts";
import type { AgentState } from "./agent.ts";

/** subnet.env's text for `s` (upstream's variables and order). */
export function agentSubnetEnv(s: AgentState, ipMasq: boolean): string {
  return formatSubnetEnv({
    network: s.config.enableIPv4 ? s.config.network : null,
    subnet: s.config.enableIPv4 ? s.lease.subnet : null,
    ipv6Network: s.config.enableIPv6 ? s.config.ipv6Network : null,
    ipv6Subnet: s.config.enableIPv6 ? s.lease.ipv6Subnet : null,
    mtu: s.prepared.mtu,
    ipMasq,
  });
}
