import {
  firewallMode,
  type FirewallPort,
  installTraffic,
  type TrafficOptions,
  trafficPlan,
} from "../../../mod/daemon/traffic.ts";
import type { BlackholePort } from "../../../mod/daemon/blackhole.ts";
import { loadNetworkConfig } from "../../../mod/config/net_conf.ts";
import type { FirewallMode, FirewallSetup } from "../../../mod/firewall/mod.ts";
import { FirewallError } from "../../../mod/firewall/mod.ts";
import { parseCIDR } from "../../../mod/ip/mod.ts";
import { createLogger, silentLogger } from "../../../mod/log.ts";
import { assertEquals, assertRejects } from "../../harness/assert.ts";
import { FakeClock } from "../../harness/fake_clock.ts";

const OPTS: TrafficOptions = {
  subnetFile: "/run/flannel/subnet.env",
  ipMasq: true,
  ipMasqRandomFullyDisable: false,
  iptablesForwardRules: true,
  iptablesResyncSeconds: 5,
  blackholeRoute: false,
};
const DUAL = loadNetworkConfig(
  '{"Network":"10.244.0.0/16","EnableIPv6":true,"IPv6Network":"fd00:10::/48","Backend":{"Type":"vxlan"}}',
);
const V4 = loadNetworkConfig('{"Network":"10.244.0.0/16","EnableNFTables":true}');
const LEASE = { subnet: parseCIDR("10.244.7.0/24"), ipv6Subnet: parseCIDR("fd00:10:0:7::/64") };

/** The plan as plain strings, for readable comparisons. */
function show(p: ReturnType<typeof trafficPlan>) {
  return {
    mode: p.mode,
    masq: p.setup.masq && {
      fullyRandomDisable: p.setup.masq.fullyRandomDisable,
      targets: p.setup.masq.targets.map((t) =>
        [t.network, t.subnet, t.prevNetwork ?? "-", t.prevSubnet ?? "-"].join(" ")
      ),
    },
    forward: p.setup.forwardNetworks?.map(String),
    blackholes: p.blackholes.map(String),
  };
}

Deno.test("firewallMode() follows EnableNFTables", () => {
  assertEquals([firewallMode(DUAL), firewallMode(V4)], ["iptables", "nftables"]);
});

Deno.test("trafficPlan() table: flags, families and the previous subnet.env", async (t) => {
  const prev = new Map([
    ["FLANNEL_NETWORK", "10.5.0.0/16"],
    ["FLANNEL_SUBNET", "10.5.3.1/24"],
    ["FLANNEL_IPV6_NETWORK", "fd00:10::/48"],
    ["FLANNEL_IPV6_SUBNET", "fd00:10:0:7::1/64"],
  ]);
  const cases = [
    {
      name: "dual-stack first start: masq both families, forward both networks",
      o: OPTS,
      config: DUAL,
      prev: new Map<string, string>(),
      want: {
        mode: "iptables",
        masq: {
          fullyRandomDisable: false,
          targets: ["10.244.0.0/16 10.244.7.0/24 - -", "fd00:10::/48 fd00:10:0:7::/64 - -"],
        },
        forward: ["10.244.0.0/16", "fd00:10::/48"],
        blackholes: [],
      },
    },
    {
      name: "restart: previous values (host bits cleared) come along for recycling",
      o: { ...OPTS, ipMasqRandomFullyDisable: true },
      config: DUAL,
      prev,
      want: {
        mode: "iptables",
        masq: {
          fullyRandomDisable: true,
          targets: [
            "10.244.0.0/16 10.244.7.0/24 10.5.0.0/16 10.5.3.0/24",
            "fd00:10::/48 fd00:10:0:7::/64 fd00:10::/48 fd00:10:0:7::/64",
          ],
        },
        forward: ["10.244.0.0/16", "fd00:10::/48"],
        blackholes: [],
      },
    },
    {
      name: "no --ip-masq, no forward rules, blackhole on; nftables",
      o: { ...OPTS, ipMasq: false, iptablesForwardRules: false, blackholeRoute: true },
      config: V4,
      prev,
      want: {
        mode: "nftables",
        masq: undefined,
        forward: undefined,
        blackholes: ["10.244.7.0/24", "fd00:10:0:7::/64"],
      },
    },
    {
      name: "a family without our subnet gets no masquerade target",
      o: OPTS,
      config: DUAL,
      prev: new Map<string, string>(),
      lease: { subnet: LEASE.subnet, ipv6Subnet: null },
      want: {
        mode: "iptables",
        masq: { fullyRandomDisable: false, targets: ["10.244.0.0/16 10.244.7.0/24 - -"] },
        forward: ["10.244.0.0/16", "fd00:10::/48"],
        blackholes: [],
      },
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const plan = trafficPlan(c.o, c.config, c.lease ?? LEASE, c.prev, silentLogger);
      assertEquals<unknown>(show(plan), c.want);
    });
  }
});

Deno.test("trafficPlan() logs upstream's warning for a key missing from an existing file", () => {
  const lines: string[] = [];
  const log = createLogger({ write: (l) => lines.push(l.split("] ")[1]!.trimEnd()) });
  const plan = trafficPlan(OPTS, V4, LEASE, new Map([["FLANNEL_MTU", "1450"]]), log);
  assertEquals(show(plan).masq?.targets, ["10.244.0.0/16 10.244.7.0/24 - -"]);
  assertEquals(lines, [
    "no subnet found for key: FLANNEL_NETWORK in file: /run/flannel/subnet.env",
    "no subnet found for key: FLANNEL_SUBNET in file: /run/flannel/subnet.env",
  ]);
});

class FakeFirewall implements FirewallPort {
  readonly setups: FirewallSetup[] = [];
  resyncs = 0;
  fail: Error | null = null;
  constructor(readonly mode: FirewallMode) {}
  setup(s: FirewallSetup): Promise<void> {
    if (this.fail) return Promise.reject(this.fail);
    this.setups.push(s);
    return Promise.resolve();
  }
  startResync(_p: number, signal: AbortSignal): Promise<void> {
    this.resyncs++;
    return new Promise((r) => signal.addEventListener("abort", () => r(), { once: true }));
  }
}

function deps(o: TrafficOptions, fw: FakeFirewall[], prevReads: number[]) {
  const added: string[] = [];
  const port: BlackholePort = {
    blackholes: () => Promise.resolve([]),
    add: (n) => Promise.resolve(void added.push(String(n))),
  };
  return {
    added,
    deps: {
      options: o,
      firewall: (mode: FirewallMode) => {
        const f = new FakeFirewall(mode);
        fw.push(f);
        return f;
      },
      readPrevious: () => {
        prevReads.push(1);
        return Promise.resolve(new Map([["FLANNEL_SUBNET", "10.244.9.1/24"]]));
      },
      blackholePort: port,
      clock: new FakeClock(),
      logger: silentLogger,
    },
  };
}

Deno.test("installTraffic() sets up the firewall, then runs resync and blackhole loops until abort", async () => {
  const fws: FakeFirewall[] = [];
  const reads: number[] = [];
  const { deps: d, added } = deps({ ...OPTS, blackholeRoute: true }, fws, reads);
  const ctl = new AbortController();
  const { loops } = await installTraffic(d, V4, LEASE, ctl.signal);
  assertEquals([fws.length, fws[0]!.mode, fws[0]!.resyncs, reads.length], [1, "nftables", 1, 1]);
  assertEquals(fws[0]!.setups[0]!.masq?.targets[0]?.prevSubnet?.toString(), "10.244.9.0/24");
  await (d.clock as FakeClock).tick(5000);
  assertEquals(added, ["10.244.7.0/24", "fd00:10:0:7::/64"]);
  ctl.abort();
  await loops;
});

Deno.test("installTraffic() without --ip-masq does not read the old subnet file", async () => {
  const fws: FakeFirewall[] = [];
  const reads: number[] = [];
  const { deps: d } = deps({ ...OPTS, ipMasq: false }, fws, reads);
  const ctl = new AbortController();
  const { loops } = await installTraffic(d, DUAL, LEASE, ctl.signal);
  assertEquals(reads.length, 0);
  assertEquals(fws[0]!.setups[0]!.forwardNetworks?.length, 2);
  ctl.abort();
  await loops;
});

Deno.test("installTraffic() rejects with the firewall's error (masquerade failures are fatal)", async () => {
  const reads: number[] = [];
  const { deps: d } = deps(OPTS, [], reads);
  const ctl = new AbortController();
  await assertRejects(
    () =>
      installTraffic(
        {
          ...d,
          firewall: (m) => {
            const f = new FakeFirewall(m);
            f.fail = new FirewallError("Failed to setup masq rules: boom");
            return f;
          },
        },
        V4,
        LEASE,
        ctl.signal,
      ),
    FirewallError,
    "Failed to setup masq rules",
  );
  ctl.abort();
});
