import { assertEquals } from "../../harness/assert.ts";
import { FakeClock } from "../../harness/fake_clock.ts";
import { FakeKernel } from "../../harness/fake_kernel.ts";
import { lease } from "../../harness/leases.ts";
import { hostGwLeaseProblem, hostGwPlan } from "../../../backends/host_gw.ts";
import { leaseCheckOf, LeaseGate } from "../../../mod/agent/lease_gate.ts";
import { applyEvents, leaseGroup } from "../../../mod/agent/watch_loop.ts";
import { loadNetworkConfig } from "../../../mod/config/net_conf.ts";
import { parseCIDR } from "../../../mod/ip/mod.ts";
import type { Lease } from "../../../mod/lease/types.ts";
import { createLogger } from "../../../mod/log.ts";
import { RTPROT_FLANNEL } from "../../../mod/reconcile/diff.ts";
import { Reconciler } from "../../../mod/reconcile/reconciler.ts";

const config = loadNetworkConfig(`{"Network":"10.244.0.0/16","Backend":{"Type":"host-gw"}}`);
const families = { 4: true, 6: false };
const own = lease({ subnet: "10.244.1.0/24" });
const state = {
  config,
  iface: { onLink: [parseCIDR("198.18.0.0/24")] },
  lease: own,
  prepared: {
    attrs: { publicIP: null, publicIPv6: null, backendType: "host-gw" },
    mtu: 1500,
    devices: [],
    desiredState: (l: readonly Lease[]) => hostGwPlan("eth0", l, families),
    check: (l: Lease) => hostGwLeaseProblem(families, l),
  },
};
const hg = (subnet: string, publicIP?: string) =>
  lease({ subnet, backendType: "host-gw", ...(publicIP ? { publicIP } : {}) });

function logged() {
  const lines: string[] = [];
  const logger = createLogger({
    pid: 0,
    write: (l) => lines.push(l.slice(0, 1) + l.slice(l.indexOf("] ") + 2).trimEnd()),
  });
  return { lines, logger };
}

Deno.test("leaseCheckOf() applies the network rules, then the backend's check", async (t) => {
  const check = leaseCheckOf(state);
  const cases: [string, Lease, string | null][] = [
    ["a peer", hg("10.244.2.0/24", "198.18.0.2"), null],
    [
      "the underlay",
      hg("198.18.0.0/24", "198.18.0.2"),
      'subnet "198.18.0.0/24" is not inside Network "10.244.0.0/16"',
    ],
    [
      "our own subnet",
      hg("10.244.1.0/24", "198.18.0.2"),
      'subnet "10.244.1.0/24" overlaps our own subnet "10.244.1.0/24"',
    ],
    ["the backend refuses", hg("10.244.3.0/24"), "it has no PublicIP"],
  ];
  for (const [name, l, want] of cases) await t.step(name, () => assertEquals(check(l), want));
});

Deno.test("LeaseGate says a lease once per reason and forgets it when it is fixed or gone", () => {
  const { lines, logger } = logged();
  const gate = new LeaseGate(leaseCheckOf(state), logger);
  const bad = hg("10.244.3.0/24");
  const g = leaseGroup(bad);
  for (let i = 0; i < 3; i++) assertEquals(gate.admit(g, bad), false);
  assertEquals(lines, ['WIgnoring lease "10.244.3.0/24": it has no PublicIP']);
  assertEquals(gate.admit(g, hg("10.244.3.0/24", "198.18.0.3")), true, "fixed");
  assertEquals(gate.size, 0);
  assertEquals(gate.admit(g, bad), false, "broken again: said again");
  assertEquals(lines.length, 2);
  assertEquals(gate.forget(g), true);
  assertEquals(gate.forget(g), false);
});

Deno.test("applyEvents() with a gate skips bad leases, removes what a bad update had", () => {
  const { lines, logger } = logged();
  const clock = new FakeClock();
  const reconciler = new Reconciler({
    kernel: new FakeKernel(),
    scope: { devices: [], networks: [config.network!], protocol: RTPROT_FLANNEL },
    clock,
    logger,
    intervalMs: 10_000,
  });
  const d = {
    manager: null as never,
    state,
    reconciler,
    gate: new LeaseGate(leaseCheckOf(state), logger),
    clock,
    logger,
    signal: new AbortController().signal,
  };
  const good = hg("10.244.2.0/24", "198.18.0.2");
  const whole = hg("10.244.0.0/16", "198.18.0.9");
  applyEvents(d, [{ type: "added", lease: good }, { type: "added", lease: whole }]);
  applyEvents(d, [{ type: "added", lease: whole }]); // a renewal: not said again
  assertEquals(reconciler.groups(), ["10.244.2.0/24&"]);
  applyEvents(d, [{ type: "added", lease: hg("10.244.2.0/24") }]); // turns bad
  assertEquals(reconciler.size, 0);
  applyEvents(d, [{ type: "removed", lease: whole }, { type: "added", lease: good }]);
  assertEquals(reconciler.desired().map((e) => e.kind === "route" && `${e.dst}`), [
    "10.244.2.0/24",
  ]);
  assertEquals(lines, [
    "ISubnet added: 10.244.2.0/24 via 198.18.0.2",
    'WIgnoring lease "10.244.0.0/16": subnet "10.244.0.0/16" is not a /24 (SubnetLen)',
    'WIgnoring lease "10.244.2.0/24": it has no PublicIP',
    "ISubnet added: 10.244.2.0/24 via 198.18.0.2",
  ]);
});
