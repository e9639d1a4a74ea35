import { realDaemonDeps } from "../../../mod/daemon/real.ts";
import type { DaemonOptions } from "../../../mod/daemon/daemon.ts";
import type { Rtnl } from "../../../mod/netlink/rtnl.ts";
import { loadNetworkConfig } from "../../../mod/config/net_conf.ts";
import { BR_NETFILTER_FILES } from "../../../mod/firewall/mod.ts";
import { silentLogger } from "../../../mod/log.ts";
import { assertEquals, assertThrows } from "../../harness/assert.ts";

const OPTS: DaemonOptions = {
  subnetFile: "",
  ipMasq: true,
  ipMasqRandomFullyDisable: false,
  iptablesForwardRules: true,
  iptablesResyncSeconds: 5,
  blackholeRoute: false,
  healthzIP: "127.0.0.1",
  healthzPort: 0,
};
const NO_CONN = {} as Rtnl;

Deno.test("realDaemonDeps() reads the previous subnet file at the configured path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/subnet.env`;
    const d = realDaemonDeps({ ...OPTS, subnetFile: path }, silentLogger, NO_CONN);
    assertEquals((await d.readPrevious()).size, 0, "missing file: no variables");
    await Deno.writeTextFile(path, "FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET=10.5.3.1/24\n");
    assertEquals(
      [...(await d.readPrevious()).entries()],
      [["FLANNEL_NETWORK", "10.5.0.0/16"], ["FLANNEL_SUBNET", "10.5.3.1/24"]],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("realDaemonDeps() checks br_netfilter in iptables mode only, on this kernel", () => {
  const d = realDaemonDeps(OPTS, silentLogger, NO_CONN);
  d.checkPrerequisites(loadNetworkConfig('{"Network":"10.5.0.0/16","EnableNFTables":true}'));
  const loaded = (() => {
    try {
      Deno.statSync(BR_NETFILTER_FILES[4]);
      return true;
    } catch {
      return false;
    }
  })();
  const iptables = loadNetworkConfig('{"Network":"10.5.0.0/16"}');
  if (loaded) d.checkPrerequisites(iptables);
  else assertThrows(() => d.checkPrerequisites(iptables), Error, "Failed to check br_netfilter");
});

Deno.test("realDaemonDeps() builds a firewall of the asked mode", () => {
  const d = realDaemonDeps(OPTS, silentLogger, NO_CONN);
  assertEquals(
    [d.firewall("iptables"), d.firewall("nftables")].map((f) =>
      (f as unknown as { mode: string }).mode
    ),
    [
      "iptables",
      "nftables",
    ],
  );
});
