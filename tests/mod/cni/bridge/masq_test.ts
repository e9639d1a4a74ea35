import { assertEquals, assertRejects } from "../../../harness/assert.ts";
import {
  type IptablesRunner,
  masqChainName,
  masqComment,
  setupMasq,
  teardownMasq,
} from "../../../../mod/cni/bridge/masq.ts";
import { parseIP } from "../../../../mod/ip/mod.ts";

Deno.test("masqChainName() and masqComment() match the reference's (observed)", async () => {
  // Chain names the reference bridge created on this machine (spec/cni.md §3.1 step 9).
  assertEquals(await masqChainName("cbr0", "masq1"), "CNI-b48833a7e961426f7077dee8");
  assertEquals(await masqChainName("cbr0", "c0.1.0"), "CNI-4451848f953e517364469bb2");
  assertEquals(masqComment("cbr0", "masq1"), 'name: "cbr0" id: "masq1"');
});

/** A fake iptables: a set of "table chain rule" lines, answering like the binary. */
function fakeIptables(): { run: IptablesRunner; rules: Set<string>; chains: Set<string> } {
  const rules = new Set<string>(), chains = new Set<string>(["POSTROUTING"]);
  const run: IptablesRunner = (fam, args) => {
    const [, , op, chain, ...rule] = args;
    const key = `${fam} ${chain} ${rule.join(" ")}`;
    const gone = { code: 1, stderr: `Chain '${chain}' does not exist` };
    switch (op) {
      case "-L":
        return Promise.resolve(
          chains.has(`${fam}${chain}`) || chain === "POSTROUTING" ? { code: 0, stderr: "" } : gone,
        );
      case "-N":
        chains.add(`${fam}${chain}`);
        return Promise.resolve({ code: 0, stderr: "" });
      case "-C":
        return Promise.resolve({ code: rules.has(key) ? 0 : 1, stderr: "" });
      case "-A":
        rules.add(key);
        return Promise.resolve({ code: 0, stderr: "" });
      case "-D":
        return Promise.resolve(
          rules.delete(key)
            ? { code: 0, stderr: "" }
            : { code: 1, stderr: "Bad rule (does a matching rule exist in that chain?)." },
        );
      case "-F":
        for (const r of [...rules]) if (r.startsWith(`${fam} ${chain} `)) rules.delete(r);
        return Promise.resolve(chains.has(`${fam}${chain}`) ? { code: 0, stderr: "" } : gone);
      case "-X":
        return Promise.resolve(chains.delete(`${fam}${chain}`) ? { code: 0, stderr: "" } : gone);
    }
    return Promise.resolve({ code: 2, stderr: "unknown" });
  };
  return { run, rules, chains };
}

Deno.test("setupMasq() installs the reference's three rules once; teardown removes them", async () => {
  const f = fakeIptables();
  const chain = await masqChainName("cbr0", "c1"), comment = masqComment("cbr0", "c1");
  for (let i = 0; i < 2; i++) await setupMasq(f.run, parseIP("10.244.1.2"), 24, chain, comment);
  const c = `-m comment --comment ${comment}`;
  assertEquals([...f.rules].sort(), [
    `4 ${chain} ! -d 224.0.0.0/4 -j MASQUERADE ${c}`,
    `4 ${chain} -d 10.244.1.0/24 -j ACCEPT ${c}`,
    `4 POSTROUTING -s 10.244.1.2 -j ${chain} ${c}`,
  ]);
  await setupMasq(f.run, parseIP("fd00::2"), 64, chain, comment);
  assertEquals([...f.rules].filter((r) => r.startsWith("6")).length, 3);
  await teardownMasq(f.run, parseIP("10.244.1.2"), 24, chain, comment);
  await teardownMasq(f.run, parseIP("10.244.1.2"), 24, chain, comment); // already gone: fine
  assertEquals([...f.rules].filter((r) => r.startsWith("4")), []);
  assertEquals(f.chains.has(`4${chain}`), false);
});

Deno.test("teardownMasq() reports real iptables failures", async () => {
  const broken: IptablesRunner = () =>
    Promise.resolve({ code: 4, stderr: "Permission denied (you must be root)" });
  await assertRejects(
    () => teardownMasq(broken, parseIP("10.0.0.2"), 24, "CNI-x", "c"),
    Error,
    "Permission denied",
  );
});
