/**
 * The real world behind {@linkcode Daemon}: the firewall spawning nft/iptables here, the
 * br_netfilter check on /proc, the health server, systemd-notify, the subnet file, and the
 * blackhole routes over the agent's rtnetlink connection. main_agent.ts calls this; tests
 * build {@linkcode DaemonDeps} with fakes instead.
 */
import { systemClock } from "../clock.ts";
import { loadSubnetEnv } from "../config/subnet_env_file.ts";
import { checkBrNetfilter, Firewall } from "../firewall/mod.ts";
import { startHealthServer } from "../http/health.ts";
import type { Logger } from "../log.ts";
import type { Rtnl } from "../netlink/rtnl.ts";
import { notifyReady } from "../sd_notify.ts";
import { netlinkBlackholes } from "./blackhole.ts";
import type { DaemonDeps, DaemonOptions } from "./daemon.ts";

/** Dependencies that act on this process's network namespace and environment. */
export function realDaemonDeps(o: DaemonOptions, log: Logger, rtnl: Rtnl): DaemonDeps {
  return {
    options: o,
    firewall: (mode) => new Firewall({ mode, logger: log }),
    readPrevious: () => loadSubnetEnv(o.subnetFile, log),
    blackholePort: netlinkBlackholes(rtnl),
    clock: systemClock,
    logger: log,
    checkPrerequisites: (c) =>
      checkBrNetfilter({
        enableIPv4: c.enableIPv4,
        enableIPv6: c.enableIPv6,
        enableNFTables: c.enableNFTables,
      }),
    startHealthServer,
    notifyReady: () => notifyReady(),
  };
}
