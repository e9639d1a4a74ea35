import { assertEquals, assertThrows } from "../../../harness/assert.ts";
import { forwardingKey, mustSetSysctl, setSysctl } from "../../../../mod/cni/bridge/sysctl.ts";

Deno.test("forwardingKey() names the reference's switches", () => {
  assertEquals(forwardingKey(4), "net/ipv4/ip_forward");
  assertEquals(forwardingKey(6), "net/ipv6/conf/all/forwarding");
});

Deno.test("setSysctl() leaves a value that is already set alone; missing keys fail", () => {
  // Reads the current value and "sets" it: no write happens, nothing changes.
  const current = Deno.readTextFileSync("/proc/sys/net/ipv4/ip_forward").trim();
  assertEquals(setSysctl("net/ipv4/ip_forward", current), true);
  assertEquals(setSysctl("net/ipv4/conf/no-such-link-x/arp_notify", "1"), false);
  assertThrows(
    () => mustSetSysctl("net/ipv4/conf/no-such-link-x/arp_notify", "1"),
    Error,
    'Cannot set sysctl "net/ipv4/conf/no-such-link-x/arp_notify" to "1"',
  );
});
