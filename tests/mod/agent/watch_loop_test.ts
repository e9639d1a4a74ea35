import { assertEquals } from "../../harness/assert.ts";
import { FakeClock } from "../../harness/fake_clock.ts";
import { FakeKernel } from "../../harness/fake_kernel.ts";
import { lease } from "../../harness/leases.ts";
import {
  applyEvents,
  leaseGroup,
  subnetEventLevel,
  subnetEventLines,
} from "../../../mod/agent/watch_loop.ts";
import { hostGwPlan } from "../../../backends/host_gw.ts";
import { parseCIDR } from "../../../mod/ip/mod.ts";
import { createLogger, silentLogger } from "../../../mod/log.ts";
import { RTPROT_FLANNEL } from "../../../mod/reconcile/diff.ts";
import { Reconciler } from "../../../mod/reconcile/reconciler.ts";

Deno.test("leaseGroup() keys a lease by both subnets", () => {
  assertEquals(
    leaseGroup({ subnet: parseCIDR("10.244.2.0/24"), ipv6Subnet: null }),
    "10.244.2.0/24&",
  );
  assertEquals(
    leaseGroup({ subnet: parseCIDR("10.244.2.0/24"), ipv6Subnet: parseCIDR("fd00::/64") }),
    "10.244.2.0/24&fd00::/64",
  );
});

Deno.test("applyEvents() sets a group per added lease and drops it when removed", () => {
  const clock = new FakeClock();
  const reconciler = new Reconciler({
    kernel: new FakeKernel(),
    scope: { devices: [], networks: [parseCIDR("10.244.0.0/16")], protocol: RTPROT_FLANNEL },
    clock,
    logger: silentLogger,
    intervalMs: 10_000,
  });
  const prepared = {
    attrs: { publicIP: null, publicIPv6: null, backendType: "host-gw" },
    mtu: 1500,
    devices: [],
    desiredState: (l: readonly ReturnType<typeof lease>[]) => hostGwPlan("eth0", l),
  };
  const d = {
    manager: null as never,
    state: { lease: lease({}), prepared },
    reconciler,
    clock,
    logger: silentLogger,
    signal: new AbortController().signal,
  };
  const a = lease({ subnet: "10.244.2.0/24", publicIP: "198.18.0.2", backendType: "host-gw" });
  const b = lease({ subnet: "10.244.3.0/24", publicIP: "198.18.0.3", backendType: "host-gw" });
  applyEvents(d, [{ type: "added", lease: a }, { type: "added", lease: b }]);
  assertEquals(reconciler.groups(), ["10.244.2.0/24&", "10.244.3.0/24&"]);
  applyEvents(d, [{ type: "removed", lease: a }]);
  assertEquals(reconciler.desired().map((e) => e.kind === "route" && `${e.dst}`), [
    "10.244.3.0/24",
  ]);
  // A peer that switched to another backend type loses its entries.
  applyEvents(d, [{ type: "added", lease: { ...b, attrs: { ...b.attrs, backendType: "vxlan" } } }]);
  assertEquals(reconciler.size, 0);
});

Deno.test("subnetEventLines() are upstream's 'Subnet added/removed' lines, one per family", () => {
  const v4 = lease({ subnet: "10.244.2.0/24", publicIP: "198.18.0.2" });
  assertEquals(subnetEventLines({ type: "added", lease: v4 }), [
    "Subnet added: 10.244.2.0/24 via 198.18.0.2",
  ]);
  assertEquals(subnetEventLines({ type: "removed", lease: v4 }), [
    "Subnet removed: 10.244.2.0/24",
  ]);
  const dual = lease({
    subnet: "10.244.3.0/24",
    ipv6Subnet: "fd00:10:244:3::/64",
    publicIP: "198.18.0.3",
    publicIPv6: "2001:db8::3",
  });
  assertEquals(subnetEventLines({ type: "added", lease: dual }), [
    "Subnet added: 10.244.3.0/24 via 198.18.0.3",
    "Subnet added: fd00:10:244:3::/64 via 2001:db8::3",
  ]);
  assertEquals(subnetEventLevel("host-gw"), 0);
  assertEquals(subnetEventLevel("vxlan"), 2);
});

Deno.test("applyEvents() logs the lines as info for host-gw, at -v 2 for vxlan", () => {
  const run = (backendType: string, verbosity: number) => {
    const lines: string[] = [];
    const logger = createLogger({
      verbosity,
      pid: 0,
      write: (l) => lines.push(l.slice(0, 1) + l.slice(l.indexOf("] ") + 2).trimEnd()),
    });
    const clock = new FakeClock();
    const reconciler = new Reconciler({
      kernel: new FakeKernel(),
      scope: { devices: [], networks: [parseCIDR("10.244.0.0/16")], protocol: RTPROT_FLANNEL },
      clock,
      logger: silentLogger,
      intervalMs: 10_000,
    });
    const prepared = {
      attrs: { publicIP: null, publicIPv6: null, backendType },
      mtu: 1500,
      devices: [],
      desiredState: (l: readonly ReturnType<typeof lease>[]) => hostGwPlan("eth0", l),
    };
    const d = {
      manager: null as never,
      state: { lease: lease({}), prepared },
      reconciler,
      clock,
      logger,
      signal: new AbortController().signal,
    };
    const a = lease({ subnet: "10.244.2.0/24", publicIP: "198.18.0.2", backendType });
    applyEvents(d, [{ type: "added", lease: a }, { type: "removed", lease: a }]);
    return lines;
  };
  const both = ["ISubnet added: 10.244.2.0/24 via 198.18.0.2", "ISubnet removed: 10.244.2.0/24"];
  assertEquals(run("host-gw", 0), both);
  assertEquals(run("vxlan", 1), []);
  assertEquals(run("vxlan", 2), both);
});
