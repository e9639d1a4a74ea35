import { assertEquals } from "../../../harness/assert.ts";
import { describe } from "../../../../mod/netlink/codec/describe.ts";
import { goldenNames, goldenRequest } from "../golden.ts";

Deno.test("describe() renders each golden request as its iproute2 command", () => {
  const want: Record<string, string> = {
    link_add_vxlan: "ip link add vx0 mtu 1450 type vxlan",
    link_add_veth_netns: "ip link add eth0 mtu 1450 type veth",
    link_set_up: "ip link set dev #6 up",
    link_set_down: "ip link set dev #6 down",
    link_set_mtu_address: "ip link set dev #6 mtu 1400 address 0e:00:00:00:00:01",
    link_set_master: "ip link set dev #4 master #8",
    link_set_nomaster: "ip link set dev #3 nomaster",
    link_set_netns: "ip link set dev #3 netns …",
    link_del: "ip link del dev #7",
    link_get: "ip link get dev vx0",
    link_dump: "ip link show",
    bridge_link_hairpin: "bridge link set dev #4 hairpin on",
    bridge_link_flags: "bridge link set dev #4 hairpin off learning off isolated on",
    addr_add4: "ip addr add 10.244.1.0/32 dev #6",
    addr_replace: "ip addr replace 10.244.1.0/32 dev #6",
    addr_del: "ip addr del 10.244.1.0/32 dev #6",
    addr_dump: "ip addr show",
    route_replace_onlink: "ip route replace 10.244.2.0/24 via 10.244.2.0 dev #6 onlink",
    route_add_table: "ip route add 10.244.3.0/24 via 198.18.0.2 dev #2 table 100",
    route_add_blackhole: "ip route add blackhole 10.244.9.0/24",
    route_del: "ip route del 10.244.9.0/24",
    route_get: "ip route get 198.18.0.2",
    route_dump: "ip route show",
    neigh_replace4: "ip neigh replace 10.244.2.0 lladdr 0e:aa:00:00:00:02 dev #6",
    neigh_del: "ip neigh del 10.244.2.0 dev #6",
    neigh_dump: "ip neigh show",
    fdb_append: "bridge fdb append 00:00:00:00:00:00 dev #6 self dst 198.18.0.2",
    fdb_replace: "bridge fdb replace 0e:aa:00:00:00:02 dev #6 self dst 198.18.0.2",
    fdb_del: "bridge fdb del 0e:aa:00:00:00:02 dev #6 self dst 198.18.0.2",
    fdb_dump: "bridge fdb show",
  };
  for (const [name, text] of Object.entries(want)) {
    assertEquals(describe(goldenRequest(name) as never), text, name);
  }
  for (const name of goldenNames().filter((n) => !n.startsWith("reply_"))) {
    assertEquals(typeof describe(goldenRequest(name) as never), "string");
  }
});
