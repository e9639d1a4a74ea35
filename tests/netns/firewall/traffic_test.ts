/**
 * Real traffic through flannel's rules, both modes, IPv4 and IPv6.
 *
 * Topology (all namespaces made here):
 *
 * ```
 *  pod ──veth── [cni0 bridge] host ──eth0── outside   198.18.0.0/24, fd18::/64 (no route to pods)
 *  10.244.1.2    10.244.1.1        └─eth1── peer      198.18.1.0/24, fd18:1::/64
 *  fd00:244:0:1::2                              holds 10.244.2.1 / fd00:244:0:2::1 ("another node's pod")
 * ```
 *
 * A tiny HTTP server in `outside` and `peer` answers with the client address it saw, so the
 * receiver itself reports whether the source was masqueraded. The pod can reach `outside` only
 * when masqueraded (outside has no route back); pod → peer must keep the pod's own address.
 */
import { Firewall, type FirewallMode, netnsRunner } from "../../../mod/firewall/mod.ts";
import { parseCIDR } from "../../../mod/ip/mod.ts";
import { assertEquals } from "../../harness/assert.ts";
import { isRoot, linkVeth, type Netns, NOT_ROOT, withNetns } from "../../../scripts/lab/netns.ts";
import { startWhoami, whoami } from "../../harness/whoami.ts";

const ignore = !isRoot;
if (ignore) console.log(`tests/netns/firewall: ignored, ${NOT_ROOT}`);

const V4 = {
  network: "10.244.0.0/16",
  subnet: "10.244.1.0/24",
  outside: "198.18.0.2",
  peer: "10.244.2.1",
};
const V6 = {
  network: "fd00:244::/56",
  subnet: "fd00:244:0:1::/64",
  outside: "fd18::2",
  peer: "fd00:244:0:2::1",
};

async function buildTopology(pod: Netns, host: Netns, outside: Netns, peer: Netns): Promise<void> {
  for (const ns of [host, outside, peer, pod]) {
    await ns.run("sysctl", [
      "-qw",
      "net.ipv6.conf.all.accept_dad=0",
      "net.ipv6.conf.default.accept_dad=0",
    ]);
  }
  await host.run("sysctl", ["-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"]);
  await host.ip("link", "add", "cni0", "type", "bridge");
  await host.ip("addr", "add", "10.244.1.1/24", "dev", "cni0");
  await host.ip("addr", "add", "fd00:244:0:1::1/64", "dev", "cni0", "nodad");
  await host.ip("link", "set", "cni0", "up");
  await linkVeth(pod, "eth0", host, "vpod", "10.244.1.2/24");
  await pod.ip("addr", "add", "fd00:244:0:1::2/64", "dev", "eth0", "nodad");
  await host.ip("link", "set", "vpod", "master", "cni0");
  await pod.ip("route", "add", "default", "via", "10.244.1.1");
  await pod.ip("-6", "route", "add", "default", "via", "fd00:244:0:1::1");
  await linkVeth(host, "eth0", outside, "eth0", "198.18.0.1/24", "198.18.0.2/24");
  await host.ip("addr", "add", "fd18::1/64", "dev", "eth0", "nodad");
  await outside.ip("addr", "add", "fd18::2/64", "dev", "eth0", "nodad");
  await linkVeth(host, "eth1", peer, "eth0", "198.18.1.1/24", "198.18.1.2/24");
  await host.ip("addr", "add", "fd18:1::1/64", "dev", "eth1", "nodad");
  await peer.ip("addr", "add", "fd18:1::2/64", "dev", "eth0", "nodad");
  await peer.ip("addr", "add", "10.244.2.1/32", "dev", "lo");
  await peer.ip("addr", "add", "fd00:244:0:2::1/128", "dev", "lo");
  await host.ip("route", "add", "10.244.2.0/24", "via", "198.18.1.2");
  await host.ip("-6", "route", "add", "fd00:244:0:2::/64", "via", "fd18:1::2");
  await peer.ip("route", "add", "10.244.1.0/24", "via", "198.18.1.1");
  await peer.ip("-6", "route", "add", "fd00:244:0:1::/64", "via", "fd18:1::1");
}

async function setupFirewall(host: Netns, mode: FirewallMode): Promise<void> {
  const fw = new Firewall({ mode, run: netnsRunner(host.name) });
  await fw.setup({
    masq: {
      targets: [
        { network: parseCIDR(V4.network), subnet: parseCIDR(V4.subnet) },
        { network: parseCIDR(V6.network), subnet: parseCIDR(V6.subnet) },
      ],
    },
    forwardNetworks: [parseCIDR(V4.network), parseCIDR(V6.network)],
  });
}

function trafficTest(mode: FirewallMode) {
  return () =>
    withNetns(4, async (pod, host, outside, peer) => {
      await buildTopology(pod, host, outside, peer);
      const stops = [await startWhoami(outside), await startWhoami(peer)];
      try {
        if (mode === "iptables") {
          // Docker sets FORWARD to DROP (spec §10.3): only flannel's forward rules let pods through.
          await host.run("iptables", ["-P", "FORWARD", "DROP"]);
          await host.run("ip6tables", ["-P", "FORWARD", "DROP"]);
        }
        for (const [fam, v] of [[4, V4], [6, V6]] as const) {
          assertEquals(
            await whoami(pod, v.outside, 1.5),
            null,
            `IPv${fam} outside without masq`,
          );
          const peerSeen = await whoami(pod, v.peer, mode === "iptables" ? 1.5 : 5);
          assertEquals(
            peerSeen,
            mode === "iptables" ? null : (fam === 4 ? "10.244.1.2" : "fd00:244:0:1::2"),
          );
        }
        await setupFirewall(host, mode);
        assertEquals(await whoami(pod, V4.outside, 5), "198.18.0.1", "masqueraded to the host");
        assertEquals(await whoami(pod, V4.peer, 5), "10.244.1.2", "pod-to-pod keeps the source");
        assertEquals(await whoami(pod, V6.outside, 5), "fd18::1");
        assertEquals(await whoami(pod, V6.peer, 5), "fd00:244:0:1::2");
      } finally {
        for (const stop of stops) await stop();
      }
    }, "fwt");
}

Deno.test({
  name: "iptables mode: pods reach the outside only masqueraded, keep their address to pods",
  ignore,
  fn: trafficTest("iptables"),
});

Deno.test({
  name: "nftables mode: pods reach the outside only masqueraded, keep their address to pods",
  ignore,
  fn: trafficTest("nftables"),
});
