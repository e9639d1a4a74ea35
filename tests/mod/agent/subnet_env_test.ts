import { assertEquals } from "../../harness/assert.ts";
import type { AgentState } from "../../../mod/agent/agent.ts";
import { agentSubnetEnv } from "../../../mod/agent/subnet_env.ts";
import { loadNetworkConfig } from "../../../mod/config/net_conf.ts";
import { parseCIDR } from "../../../mod/ip/mod.ts";

/** Only the fields subnet.env reads; the rest of the state does not matter here. */
function state(conf: string, subnet: string | null, ipv6Subnet: string | null): AgentState {
  return {
    config: loadNetworkConfig(conf),
    lease: {
      subnet: subnet === null ? null : parseCIDR(subnet),
      ipv6Subnet: ipv6Subnet === null ? null : parseCIDR(ipv6Subnet),
    },
    prepared: { mtu: 1450 },
  } as unknown as AgentState;
}

Deno.test("agentSubnetEnv() writes the enabled families, the MTU and --ip-masq", () => {
  assertEquals(
    agentSubnetEnv(state('{"Network":"10.5.0.0/16"}', "10.5.72.0/24", null), true),
    "FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET=10.5.72.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n",
  );
  const dual = state(
    '{"Network":"10.5.0.0/16","EnableIPv6":true,"IPv6Network":"fd00:5::/48"}',
    "10.5.72.0/24",
    "fd00:5:0:3::/64",
  );
  assertEquals(
    agentSubnetEnv(dual, false),
    "FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET=10.5.72.1/24\n" +
      "FLANNEL_IPV6_NETWORK=fd00:5::/48\nFLANNEL_IPV6_SUBNET=fd00:5:0:3::1/64\n" +
      "FLANNEL_MTU=1450\nFLANNEL_IPMASQ=false\n",
  );
});

Deno.test("agentSubnetEnv() leaves out a family the config does not enable", () => {
  const v6only = state(
    '{"EnableIPv4":false,"EnableIPv6":true,"IPv6Network":"fd00:5::/48"}',
    "10.5.72.0/24",
    "fd00:5:0:3::/64",
  );
  assertEquals(
    agentSubnetEnv(v6only, false),
    "FLANNEL_IPV6_NETWORK=fd00:5::/48\nFLANNEL_IPV6_SUBNET=fd00:5:0:3::1/64\n" +
      "FLANNEL_MTU=1450\nFLANNEL_IPMASQ=false\n",
  );
});
