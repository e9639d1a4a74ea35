import {
  atLeast162,
  bootstrapPayload,
  listingLine,
  parseIptablesVersion,
  planForwardRules,
  planMasqRules,
  removeChainPayload,
  restorePayload,
  splitListingLine,
  teardownPayload,
} from "../../../mod/firewall/rules.ts";
import { parseCIDR } from "../../../mod/ip/mod.ts";
import { assertEquals } from "../../harness/assert.ts";

const N = parseCIDR("10.42.0.0/16");
const S = parseCIDR("10.42.1.0/24");

Deno.test("planMasqRules() renders upstream's iptables -S lines (spec §6.1 example)", () => {
  const set = planMasqRules(N, S, true);
  assertEquals(set.rules.map(listingLine), [
    `-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG`,
    `-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN`,
    `-A FLANNEL-POSTRTG -s 10.42.1.0/24 -d 10.42.0.0/16 -m comment --comment "flanneld masq" -j RETURN`,
    `-A FLANNEL-POSTRTG -s 10.42.0.0/16 -d 10.42.1.0/24 -m comment --comment "flanneld masq" -j RETURN`,
    `-A FLANNEL-POSTRTG ! -s 10.42.0.0/16 -d 10.42.1.0/24 -m comment --comment "flanneld masq" -j RETURN`,
    `-A FLANNEL-POSTRTG -s 10.42.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully`,
    `-A FLANNEL-POSTRTG ! -s 10.42.0.0/16 -d 10.42.0.0/16 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully`,
  ]);
  assertEquals([set.family, set.table, set.chain], [4, "nat", "FLANNEL-POSTRTG"]);
});

Deno.test("planMasqRules() without random-fully and for IPv6 (ff00::/8)", () => {
  const v4 = planMasqRules(N, S, false).rules.map(listingLine);
  assertEquals(
    v4[5],
    `-A FLANNEL-POSTRTG -s 10.42.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE`,
  );
  assertEquals(
    v4[6],
    `-A FLANNEL-POSTRTG ! -s 10.42.0.0/16 -d 10.42.0.0/16 -m comment --comment "flanneld masq" -j MASQUERADE`,
  );
  const v6 = planMasqRules(parseCIDR("fd00:42::/56"), parseCIDR("fd00:42:0:1::/64"), true);
  assertEquals(v6.family, 6);
  assertEquals(v6.rules.map(listingLine).slice(2), [
    `-A FLANNEL-POSTRTG -s fd00:42:0:1::/64 -d fd00:42::/56 -m comment --comment "flanneld masq" -j RETURN`,
    `-A FLANNEL-POSTRTG -s fd00:42::/56 -d fd00:42:0:1::/64 -m comment --comment "flanneld masq" -j RETURN`,
    `-A FLANNEL-POSTRTG ! -s fd00:42::/56 -d fd00:42:0:1::/64 -m comment --comment "flanneld masq" -j RETURN`,
    `-A FLANNEL-POSTRTG -s fd00:42::/56 ! -d ff00::/8 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully`,
    `-A FLANNEL-POSTRTG ! -s fd00:42::/56 -d fd00:42::/56 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully`,
  ]);
});

Deno.test("planForwardRules() renders upstream's filter rules (spec §6.3)", () => {
  const set = planForwardRules(N);
  assertEquals(set.rules.map(listingLine), [
    `-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD`,
    `-A FLANNEL-FWD -s 10.42.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT`,
    `-A FLANNEL-FWD -d 10.42.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT`,
  ]);
  assertEquals([set.table, set.chain], ["filter", "FLANNEL-FWD"]);
});

Deno.test("restorePayload() matches upstream's iptables_restore_test.go vector", () => {
  const masq = ["-A", "INPUT", "-s", "127.0.0.1", "!", "-d", "224.0.0.0/4", "-m", "comment"];
  const lines = [
    {
      table: "filter" as const,
      args: ["-A", "INPUT", "-s", "127.0.0.1", "-d", "127.0.0.1", "-j", "RETURN"],
    },
    {
      table: "filter" as const,
      args: [...masq, "--comment", "flanneld masq", "-j", "MASQUERADE", "--random-fully"],
    },
    {
      table: "nat" as const,
      args: ["-A", "INPUT", "-s", "127.0.0.1", "-d", "127.0.0.1", "-j", "RETURN"],
    },
    {
      table: "nat" as const,
      args: [...masq, "--comment", "flanneld masq", "-j", "MASQUERADE", "--random-fully"],
    },
  ];
  const block = (t: string) =>
    `*${t}\n-A INPUT -s 127.0.0.1 -d 127.0.0.1 -j RETURN\n` +
    `-A INPUT -s 127.0.0.1 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully\nCOMMIT\n`;
  assertEquals(restorePayload(lines), block("filter") + block("nat"));
  assertEquals(restorePayload([]), "");
});

Deno.test("bootstrapPayload() declares the chain, deletes every jump copy, appends all", () => {
  const set = planForwardRules(N);
  const c = `-m comment --comment "flanneld forward"`;
  assertEquals(
    bootstrapPayload(set, () => 2),
    `*filter\n:FLANNEL-FWD - [0:0]\n-D FORWARD ${c} -j FLANNEL-FWD\n-D FORWARD ${c} -j FLANNEL-FWD\n` +
      `-A FORWARD ${c} -j FLANNEL-FWD\n-A FLANNEL-FWD -s 10.42.0.0/16 ${c} -j ACCEPT\n` +
      `-A FLANNEL-FWD -d 10.42.0.0/16 ${c} -j ACCEPT\nCOMMIT\n`,
  );
  assertEquals(bootstrapPayload(set, () => 0).split("\n").filter((l) => l.startsWith("-D")), []);
});

Deno.test("teardownPayload() deletes exactly the given rules", () => {
  const rules = planMasqRules(N, S, true).rules.slice(0, 2);
  assertEquals(
    teardownPayload(rules),
    `*nat\n-D POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG\n` +
      `-D FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN\nCOMMIT\n`,
  );
});

Deno.test("teardownPayload() of a whole masquerade set: TestDeleteRules' 7 deletions in nat", () => {
  // iptables_test.go: network 10.0.1.0/16 (Go keeps the host bits; iptables masks them),
  // lease 192.168.0.0/16 → 7 rules, torn down as 7 `-D` lines in one nat transaction.
  const set = planMasqRules(parseCIDR("10.0.1.0/16"), parseCIDR("192.168.0.0/16"), false);
  const c = `-m comment --comment "flanneld masq"`;
  assertEquals(
    teardownPayload(set.rules),
    [
      "*nat",
      `-D POSTROUTING ${c} -j FLANNEL-POSTRTG`,
      `-D FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 ${c} -j RETURN`,
      `-D FLANNEL-POSTRTG -s 192.168.0.0/16 -d 10.0.0.0/16 ${c} -j RETURN`,
      `-D FLANNEL-POSTRTG -s 10.0.0.0/16 -d 192.168.0.0/16 ${c} -j RETURN`,
      `-D FLANNEL-POSTRTG ! -s 10.0.0.0/16 -d 192.168.0.0/16 ${c} -j RETURN`,
      `-D FLANNEL-POSTRTG -s 10.0.0.0/16 ! -d 224.0.0.0/4 ${c} -j MASQUERADE`,
      `-D FLANNEL-POSTRTG ! -s 10.0.0.0/16 -d 10.0.0.0/16 ${c} -j MASQUERADE`,
      "COMMIT",
      "",
    ].join("\n"),
  );
});

Deno.test("removeChainPayload() deletes the jumps, then flushes and deletes the chain", () => {
  const jump = `-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG`;
  assertEquals(
    removeChainPayload("nat", "FLANNEL-POSTRTG", [jump]),
    `*nat\n-D POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG\n` +
      `-F FLANNEL-POSTRTG\n-X FLANNEL-POSTRTG\nCOMMIT\n`,
  );
});

Deno.test("splitListingLine() keeps quoted arguments whole", () => {
  assertEquals(splitListingLine(`-A X -m comment --comment "a b" -j Y`), [
    "-A",
    "X",
    "-m",
    "comment",
    "--comment",
    "a b",
    "-j",
    "Y",
  ]);
});

Deno.test("parseIptablesVersion() and atLeast162() decide --wait and --random-fully", async (t) => {
  const table: [string, [number, number, number] | null, boolean][] = [
    ["iptables v1.8.9 (nf_tables)", [1, 8, 9], true],
    ["iptables-restore v1.6.2", [1, 6, 2], true],
    ["iptables v1.6.1", [1, 6, 1], false],
    ["iptables v1.4.21", [1, 4, 21], false],
    ["iptables v2.0.0", [2, 0, 0], true],
    ["garbage", null, false],
  ];
  for (const [text, v, modern] of table) {
    await t.step(text, () => {
      assertEquals(parseIptablesVersion(text), v);
      assertEquals(v ? atLeast162(v) : false, modern);
    });
  }
});
