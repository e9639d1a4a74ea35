/**
 * mod/cni/bridge/mod.ts: the random veth suffix, the real world, and the in-process delegate
 * wired to an injected world (what it asks of iptables, the RNG and stderr).
 */
import { assert, assertEquals, assertMatch, assertRejects } from "../../../harness/assert.ts";
import { isRoot, type Netns, NOT_ROOT, withNetns } from "../../../../scripts/lab/netns.ts";
import {
  bridgeDelegate,
  type BridgeWorld,
  randomHex8,
  realWorld,
} from "../../../../mod/cni/bridge/mod.ts";
import { inProcessSupported } from "../../../../mod/cni/bridge/conf.ts";
import { runIptables } from "../../../../mod/cni/bridge/masq.ts";
import type { DelegateArgs } from "../../../../mod/cni/delegate.ts";
import { withTempDir } from "../temp_dir.ts";
import { delegateConf, testWorld } from "./world.ts";

if (!isRoot) console.warn(`bridge delegate tests in namespaces ignored: ${NOT_ROOT}`);

/** A world that records every call; `base` does the real work (null: nothing may be called). */
function recordingWorld(base: BridgeWorld | null) {
  const calls: string[] = [];
  const w: BridgeWorld = {
    hostNetns: base?.hostNetns ?? null,
    randomHex8: () => {
      calls.push("random");
      return "feed0b0e";
    },
    writeStderr: (t) => {
      calls.push(`stderr ${t}`);
      return Promise.resolve();
    },
    iptables: (fam, args) => {
      calls.push(`iptables${fam === 6 ? "6" : ""} ${args.join(" ")}`);
      if (base === null) throw new Error("iptables must not run");
      return base.iptables(fam, args);
    },
  };
  return { w, calls };
}

const args = (pod: Netns | null): DelegateArgs => ({
  containerID: "c1",
  netns: pod?.path ?? "/var/run/netns/none-x",
  ifName: "eth0",
  args: "",
  env: {},
});

Deno.test("randomHex8() gives 8 lowercase hex digits, different on each call", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const h = randomHex8();
    assertMatch(h, /^[0-9a-f]{8}$/);
    seen.add(h);
  }
  assertEquals(seen.size, 200);
  // Every hex digit turns up somewhere: the bytes are random, not a counter or a constant.
  assertEquals(new Set([...seen].join("")).size, 16);
});

Deno.test("realWorld() is this process's namespace, real iptables, real randomness", () => {
  const w = realWorld();
  assertEquals(w.hostNetns, null);
  assert(w.iptables === runIptables);
  assert(w.randomHex8 === randomHex8);
  assertEquals(w.trace, undefined);
});

Deno.test("bridgeDelegate() claims exactly the configs the in-process bridge implements", () => {
  const d = bridgeDelegate(recordingWorld(null).w);
  const stock = delegateConf("/tmp/unused");
  assert(d.handles(stock));
  assert(!d.handles({ ...stock, vlan: 100 }), "vlan is exec'd");
  assert(!d.handles({ ...stock, ipMasqBackend: "nftables" }), "nftables masq is exec'd");
  assert(!d.handles({ ...stock, ipam: {} }), "no IPAM type");
  for (const c of [stock, { ...stock, macspoofchk: true }, { ...stock, ipam: "x" }]) {
    assertEquals(d.handles(c), inProcessSupported(c));
  }
});

Deno.test("bridgeDelegate(): a wrong-typed config fails ADD untouched, and DEL still releases", async () => {
  const { w, calls } = recordingWorld(null);
  const d = bridgeDelegate(w);
  await withTempDir(async (dir) => {
    const bad = delegateConf(dir, { mtu: "1400" });
    const msg = "cannot unmarshal string into Go struct field NetConf.mtu of type int";
    await assertRejects(() => d.add(bad, args(null)), Error, msg);
    assertEquals(calls, []);
    assertEquals([...Deno.readDirSync(dir)], [], "no IPAM store written");
    // What an older ADD (or the Go plugin's) left under this config: DEL reads it leniently
    // (a retry of a DEL that fails on decoding would fail forever).
    Deno.mkdirSync(`${dir}/cbr0`);
    Deno.writeTextFileSync(`${dir}/cbr0/10.244.1.2`, "c1\r\neth0");
    Deno.writeTextFileSync(`${dir}/cbr0/10.244.1.3`, "other\r\neth0");
    await d.del(bad, args(null));
    assertEquals([...Deno.readDirSync(`${dir}/cbr0`)].map((e) => e.name).sort(), [
      "10.244.1.3",
      "lock",
    ]);
    assertEquals(calls, [], "ipMasq false: no iptables");
  });
});

Deno.test({
  name: "bridgeDelegate(): ADD, CHECK, DEL through an injected world (veth name, masquerade)",
  ignore: !isRoot,
  fn: () =>
    withTempDir((dir) =>
      withNetns(2, async (host, pod) => {
        const { w, calls } = recordingWorld(testWorld(host));
        const d = bridgeDelegate(w);
        const conf = delegateConf(dir, { ipMasq: true });
        const r = await d.add(conf, args(pod));
        assertEquals(r.interfaces.map((i) => i.name), ["cni0", "vethfeed0b0e", "eth0"]);
        assertEquals(r.ips.map((i) => i.address), ["10.244.1.2/24"]);
        assertEquals(calls.filter((c) => c === "random").length, 1);
        const masq = calls.filter((c) => c.startsWith("iptables "));
        assert(masq.some((c) => c.includes("-j MASQUERADE")), masq.join("\n"));
        assertEquals((await host.ipJson("link", "show", "vethfeed0b0e")).length, 1);
        await d.check(conf, args(pod), r);
        calls.length = 0;
        await d.del(conf, args(pod));
        assertEquals((await host.ipJson("link", "show", "type", "veth")).length, 0);
        assert(calls.some((c) => c.startsWith("iptables ") && c.includes("-D")), calls.join("\n"));
        assertEquals(
          [...Deno.readDirSync(`${dir}/cbr0`)].filter((e) => e.name.startsWith("10.")),
          [],
        );
        await assertRejects(() => d.check(conf, args(pod), r));
      }, "cbm")
    ),
});
