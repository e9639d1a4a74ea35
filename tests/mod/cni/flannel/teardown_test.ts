/**
 * DEL after a failed ADD, and DEL of states no delegate can use (issue 14.5): a runtime
 * retries DEL until it succeeds, so a DEL that can never succeed keeps a pod from ever being
 * cleaned up. Injected IO and an in-memory bridge (no root); the kernel side is in
 * tests/netns/cni/failed_add_test.ts.
 */
import { assert, assertEquals, assertStringIncludes } from "../../../harness/assert.ts";
import { AddLeftoversError } from "../../../../mod/cni/undo.ts";
import { SCRATCH, SUBNET_ENV } from "./vectors.ts";
import { exists, withWorld, type World } from "./world.ts";

const v4 = SUBNET_ENV.onlyIpv4;

/** What the fuzz cases found: configs whose ADD failed and whose DEL then failed forever. */
const REFUSED: [string, Record<string, unknown>, string, string][] = [
  [
    "wrong-typed delegate option",
    { delegate: { mtu: "1400" } },
    v4,
    "failed to load netconf: json: cannot unmarshal string into Go struct field NetConf.mtu of type int",
  ],
  [
    "wrong-typed delegate bool",
    { delegate: { hairpinMode: "yes" } },
    v4,
    "failed to load netconf: json: cannot unmarshal string into Go struct field NetConf.hairpinMode of type bool",
  ],
  [
    "wrong-typed delegate vlan (an exec'd bridge option)",
    { delegate: { vlan: "x" } },
    v4,
    "failed to load netconf: json: cannot unmarshal string into Go struct field NetConf.vlan of type int",
  ],
  [
    "a /31 subnet",
    {},
    v4.replace("10.1.17.1/24", "10.1.17.0/31"),
    "invalid range set 0: Network 10.1.17.0/31 too small to allocate from",
  ],
  [
    "a /32 subnet",
    {},
    v4.replace("10.1.17.1/24", "10.1.17.1/32"),
    "invalid range set 0: Network 10.1.17.1/32 too small to allocate from",
  ],
  [
    "a wrong-typed ipam field",
    { ipam: { resolvConf: 1 } },
    v4,
    "json: cannot unmarshal number into Go struct field IPAMConfig.ipam.resolvConf of type string",
  ],
];

Deno.test("flannel ADD refuses what its delegates would refuse, before saving or making anything", () =>
  withWorld(async (w) => {
    for (const [what, conf, subnetEnv, msg] of REFUSED) {
      await Deno.writeTextFile(`${w.dir}/subnet.env`, subnetEnv);
      const add = await w.run("ADD", { cniVersion: "1.0.0", ...conf });
      assertEquals(add.json(), { code: 999, msg }, what);
      assert(!(await exists(`${w.dir}/state/ctr1`)), `${what}: nothing saved`);
      for (let i = 0; i < 2; i++) {
        const del = await w.run("DEL", { cniVersion: "1.0.0", ...conf });
        assertEquals([del.code, del.out], [0, ""], `${what}: DEL ${i}`);
      }
    }
    assertEquals(w.bridge.calls, [], "no delegate ran");
  }));

/** The state an ADD of `conf` saved (written here as the Go plugin or an older release did). */
async function oldState(w: World, id: string, conf: Record<string, unknown>) {
  await Deno.mkdir(`${w.dir}/state`, { recursive: true });
  await Deno.writeTextFile(`${w.dir}/state/${id}`, JSON.stringify(conf));
}

const saved = (extra: Record<string, unknown>, ipam: Record<string, unknown> = {}) => {
  const s = JSON.parse(SCRATCH.onlyIpv4);
  return { ...s, ...extra, ipam: { ...s.ipam, dataDir: "/store", ...ipam } };
};

Deno.test("flannel DEL of a saved config no delegate can use cleans up with defaults", () =>
  withWorld(async (w) => {
    const cases: [string, Record<string, unknown>, string][] = [
      ["mtu", saved({ mtu: "1400" }), "NetConf.mtu of type int"],
      ["range", saved({}, { ranges: [[{ subnet: "10.1.17.0/31" }]] }), "too small to allocate"],
      ["dataDir", saved({}, { dataDir: 5 }), "IPAMConfig.ipam.dataDir of type string"],
      ["delegate", saved({ type: "nosuch" }), 'failed to find plugin "nosuch"'],
      ["version", saved({ cniVersion: "9.9.9" }), "incompatible CNI versions"],
    ];
    for (const [id, conf, why] of cases) {
      await oldState(w, id, conf);
      const del = await w.run("DEL", {}, { CNI_CONTAINERID: id });
      assertEquals([del.code, del.out], [0, ""], id);
      assertStringIncludes(del.err, why);
      assertStringIncludes(del.err, "cleaning up with defaults");
      assert(!(await exists(`${w.dir}/state/${id}`)), `${id}: state removed`);
      assertEquals(w.bridge.calls.at(-1), `DEL ${id}/eth0 netns=/var/run/netns/pod`);
      // The saved store stays the one to release from; a wrong-typed one means the default,
      // where an ADD that accepted it allocated.
      const ipam = id === "dataDir"
        ? { type: "host-local" }
        : { type: "host-local", dataDir: "/store" };
      assertEquals(w.bridge.delConfs.at(-1), {
        type: "bridge",
        name: "cni-flannel",
        ipMasq: false,
        ipam,
      }, id);
      assertEquals((await w.run("DEL", {}, { CNI_CONTAINERID: id })).code, 0, `${id}: again`);
    }
  }));

Deno.test("flannel DEL of an unreadable state takes what ADD would render now", () =>
  withWorld(async (w) => {
    // flanneld without --ip-masq: the bridge masqueraded, so its rules must go too.
    await Deno.writeTextFile(`${w.dir}/subnet.env`, v4.replace("IPMASQ=true", "IPMASQ=false"));
    await Deno.mkdir(`${w.dir}/state`);
    await Deno.writeTextFile(`${w.dir}/state/ctr1`, '{"cniVersion":"1.0.0","ipMa');
    const del = await w.run("DEL", { ipam: { dataDir: "/conflist-store" } });
    assertEquals(del.code, 0);
    assertStringIncludes(del.err, "failed to parse netconf:");
    assertEquals(w.bridge.delConfs, [{
      type: "bridge",
      name: "cni-flannel",
      ipMasq: true,
      ipam: { type: "host-local", dataDir: "/conflist-store" },
    }]);
    assert(!(await exists(`${w.dir}/state/ctr1`)));
  }));

Deno.test("flannel DEL: a delegate's config or version code is permanent, code 999 transient", () =>
  withWorld(async (w) => {
    assertEquals((await w.run("ADD", { delegate: { type: "fakebr" } })).code, 0);
    await Deno.writeTextFile(`${w.dir}/mode`, "stderr"); // fails, code 999: may pass
    const transient = await w.run("DEL", {});
    assertEquals(transient.json().code, 999);
    assert(await exists(`${w.dir}/state/ctr1`), "kept for the retry");
    assertEquals(w.bridge.calls, []);
    await Deno.writeTextFile(`${w.dir}/mode`, "fail"); // code 7: invalid config
    const permanent = await w.run("DEL", {});
    assertEquals([permanent.code, permanent.out], [0, ""]);
    assertStringIncludes(permanent.err, "delegate DEL cannot succeed: fake refused");
    assertEquals(w.bridge.calls, ["DEL ctr1/eth0 netns=/var/run/netns/pod"]);
    assert(!(await exists(`${w.dir}/state/ctr1`)));
  }));

Deno.test("flannel ADD whose delegate undid everything leaves no state; an earlier one returns", () =>
  withWorld(async (w) => {
    // The name is taken (`lo`): the bridge made nothing.
    w.bridge.failAdd = new Error("container veth name provided (lo) already exists");
    const lo = await w.run("ADD", {}, { CNI_IFNAME: "lo" });
    assertEquals(lo.json().msg, "container veth name provided (lo) already exists");
    assert(!(await exists(`${w.dir}/state/ctr1@lo`)));
    assertEquals((await w.run("DEL", {}, { CNI_IFNAME: "lo" })).code, 0);
    // A delegate binary that is not there ran nothing either.
    w.bridge.failAdd = null;
    const missing = await w.run("ADD", { delegate: { type: "nosuch" } });
    assertStringIncludes(
      missing.json().msg,
      'failed to delegate add: failed to find plugin "nosuch"',
    );
    assert(!(await exists(`${w.dir}/state/ctr1`)));
    // A repeated ADD that fails must not drop the state of the attachment that exists.
    assertEquals((await w.run("ADD", {})).code, 0);
    const first = await Deno.readTextFile(`${w.dir}/state/ctr1`);
    w.bridge.failAdd = new Error("veth busy");
    assertEquals((await w.run("ADD", { delegate: { hairpinMode: true } })).code, 1);
    assertEquals(await Deno.readTextFile(`${w.dir}/state/ctr1`), first);
    assertEquals(w.bridge.calls.filter((c) => c.startsWith("DEL")), []);
  }));

Deno.test("flannel ADD keeps its state when the undo failed or an exec'd delegate ran", () =>
  withWorld(async (w) => {
    w.bridge.failAdd = new AddLeftoversError(new Error("no addresses"), ["delete eth0: EBUSY"]);
    const add = await w.run("ADD", {});
    assertEquals(add.json(), {
      code: 999,
      msg: "no addresses (undoing the failed ADD failed too: delete eth0: EBUSY)",
    });
    assert(await exists(`${w.dir}/state/ctr1`), "the runtime's DEL still has the config");
    assertEquals((await w.run("DEL", {})).code, 0);
    assertEquals(w.bridge.calls.at(-1), "DEL ctr1/eth0 netns=/var/run/netns/pod");
    await Deno.writeTextFile(`${w.dir}/mode`, "fail");
    assertEquals((await w.run("ADD", { delegate: { type: "fakebr" } })).json().code, 7);
    assert(await exists(`${w.dir}/state/ctr1`), "an exec'd delegate may have made anything");
  }));

Deno.test("flannel GC cleans stale attachments whose state no delegate can use", () =>
  withWorld(async (w) => {
    await oldState(w, "stale", saved({ mtu: "x" }));
    const gc = await w.run("GC", {
      cniVersion: "1.1.0",
      ipam: { dataDir: `${w.dir}/ipam` },
      "cni.dev/valid-attachments": [],
    }, { CNI_CONTAINERID: "", CNI_IFNAME: "", CNI_NETNS: "" });
    assertEquals([gc.code, gc.out], [0, ""]);
    assertEquals(w.bridge.calls, ["DEL stale/eth0 netns="]);
    assertEquals(w.bridge.delConfs, [{
      type: "bridge",
      name: "cni-flannel",
      ipMasq: false,
      ipam: { type: "host-local", dataDir: "/store" },
    }], "the lenient fallback, not the saved config");
    assert(!(await exists(`${w.dir}/state/stale`)));
  }));

Deno.test("flannel DEL with a dataDir through a file: no state can be there, success", () =>
  withWorld(async (w) => {
    const dataDir = `${w.dir}/subnet.env/state`;
    const add = await w.run("ADD", { dataDir });
    assertStringIncludes(add.json().msg, `open ${dataDir}/ctr1: not a directory`);
    for (let i = 0; i < 2; i++) {
      const del = await w.run("DEL", { dataDir });
      assertEquals([del.code, del.out], [0, ""], `DEL ${i}`);
    }
    assertEquals(w.bridge.calls, []);
  }));
