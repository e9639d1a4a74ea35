/** Protocol tests of the flannel plugin through injected IO (no root, no kernel). */
import { assert, assertEquals, assertStringIncludes } from "../../../harness/assert.ts";
import { SUPPORTED_VERSIONS } from "../../../../mod/cni/version.ts";
import { fakeLog } from "../fake_plugin.ts";
import { SCRATCH } from "./vectors.ts";
import { exists, withWorld } from "./world.ts";

Deno.test("flannel ADD/CHECK/DEL lifecycle in every claimed version", async (t) => {
  for (const v of SUPPORTED_VERSIONS) {
    await t.step(v, () =>
      withWorld(async (w) => {
        const add = await w.run("ADD", { cniVersion: v });
        assertEquals(add.code, 0, add.out);
        const res = add.json();
        assertEquals(res.cniVersion, v);
        if (v < "0.3.0") assertEquals(res.ip4.ip, "10.1.17.2/24");
        else assertEquals(res.ips[0].address, "10.1.17.2/24");
        const saved = JSON.parse(await Deno.readTextFile(`${w.dir}/state/ctr1`));
        assertEquals(saved, {
          ...JSON.parse(SCRATCH.onlyIpv4),
          cniVersion: v,
          name: "cni-flannel",
        });
        if (v >= "0.4.0") {
          const check = await w.run("CHECK", { cniVersion: v, prevResult: res });
          assertEquals([check.code, check.out], [0, ""]);
        }
        assertEquals((await w.run("DEL", { cniVersion: v })).code, 0);
        assert(!(await exists(`${w.dir}/state/ctr1`)));
        assertEquals((await w.run("DEL", { cniVersion: v })).code, 0, "DEL twice");
        assertEquals(w.bridge.calls.filter((c) => c.startsWith("DEL")).length, 1);
      }));
  }
});

Deno.test("flannel ADD without cniVersion writes the §2.10 scratch bytes", () =>
  withWorld(async (w) => {
    assertEquals((await w.run("ADD", {})).code, 0);
    assertEquals(await Deno.readTextFile(`${w.dir}/state/ctr1`), SCRATCH.onlyIpv4);
  }));

Deno.test("flannel ADD with missing or broken subnet.env: 999, nothing written, no delegate", () =>
  withWorld(async (w) => {
    await Deno.remove(`${w.dir}/subnet.env`);
    const r = await w.run("ADD", { cniVersion: "1.0.0" });
    assertEquals(r.json(), {
      code: 999,
      msg:
        `failed to load flannel 'subnet.env' file: open ${w.dir}/subnet.env: no such file or directory. Check the flannel pod log for this node.`,
    });
    await Deno.writeTextFile(`${w.dir}/subnet.env`, "FLANNEL_NETWORK\nFLANNEL_MTU=x\n");
    assertStringIncludes(
      (await w.run("ADD", {})).json().msg,
      'strconv.ParseUint: parsing "x": invalid syntax',
    );
    assert(!(await exists(`${w.dir}/state`)));
    assertEquals(w.bridge.calls, []);
    assertEquals((await w.run("DEL", {})).code, 0, "DEL works without subnet.env");
  }));

Deno.test("flannel ADD config errors keep upstream's prefixes", () =>
  withWorld(async (w) => {
    assertStringIncludes(
      (await w.run("ADD", { delegate: "x" })).json().msg,
      "failed to load flannel netconf file: failed to load netconf: json: cannot unmarshal string",
    );
    // DEL needs only `dataDir` and reads the rest leniently: a conflist broken after the ADD
    // must not fail every DEL retry (upstream answers `failed to load netconf: ...` forever).
    assertEquals((await w.run("ADD", {})).code, 0);
    const del = await w.run("DEL", { delegate: "x" });
    assertEquals([del.code, del.out], [0, ""]);
    assertEquals(w.bridge.live.size, 0, "the attachment was released");
    assert(!(await exists(`${w.dir}/state/ctr1`)));
    assertEquals(
      (await w.run("ADD", { delegate: { ipam: {} } })).json().msg,
      "'delegate' dictionary must not have 'ipam' field, it'll be set by flannel",
    );
  }));

Deno.test("flannel two interfaces in one container: separate state, both released", () =>
  withWorld(async (w) => {
    assertEquals((await w.run("ADD", {}, { CNI_IFNAME: "eth0" })).code, 0);
    assertEquals((await w.run("ADD", {}, { CNI_IFNAME: "net1" })).code, 0);
    assert(await exists(`${w.dir}/state/ctr1`));
    assert(await exists(`${w.dir}/state/ctr1@net1`));
    assertEquals((await w.run("DEL", {}, { CNI_IFNAME: "eth0" })).code, 0);
    assertEquals((await w.run("DEL", {}, { CNI_IFNAME: "net1" })).code, 0);
    assertEquals(w.bridge.live.size, 0, "the reference leaks net1 here (§2.9 Q1)");
  }));

Deno.test("flannel DEL: without ADD, after the netns is gone, failure keeps state", () =>
  withWorld(async (w) => {
    assertEquals((await w.run("DEL", {})).code, 0);
    assertEquals(w.bridge.calls, [], "no state: nothing to call");
    await w.run("ADD", {});
    w.bridge.failDel = true;
    const bad = await w.run("DEL", {}, { CNI_NETNS: "" });
    assertEquals(bad.json(), { code: 999, msg: "iptables busy" });
    assert(await exists(`${w.dir}/state/ctr1`), "state kept for the runtime's retry");
    w.bridge.failDel = false;
    assertEquals((await w.run("DEL", {}, { CNI_NETNS: "" })).code, 0);
    assert(!(await exists(`${w.dir}/state/ctr1`)));
    assertEquals(w.bridge.calls.at(-1), "DEL ctr1/eth0 netns=");
  }));

Deno.test("flannel DEL reads state written by the reference, any key order", () =>
  withWorld(async (w) => {
    await Deno.mkdir(`${w.dir}/state`);
    await Deno.writeTextFile(
      `${w.dir}/state/old1`,
      '{"type":"bridge","name":"cbr0","ipam":{"type":"host-local"}}',
    );
    await Deno.writeTextFile(`${w.dir}/state/old2`, "{corrupt");
    assertEquals((await w.run("DEL", {}, { CNI_CONTAINERID: "old1" })).code, 0);
    assert(!(await exists(`${w.dir}/state/old1`)));
    const corrupt = await w.run("DEL", {}, { CNI_CONTAINERID: "old2" });
    assertEquals(corrupt.code, 0);
    assertStringIncludes(corrupt.err, "failed to parse netconf:");
    // Upstream keeps a corrupt file (§2.9 Q3) and undoes nothing; here the attachment is
    // cleaned up with defaults (teardown.ts) and the file goes, so no retry or GC meets it.
    assertStringIncludes(corrupt.err, "cleaning up with defaults");
    assertEquals(w.bridge.calls.at(-1), "DEL old2/eth0 netns=/var/run/netns/pod");
    assert(!(await exists(`${w.dir}/state/old2`)), "nothing left to retry");
  }));

Deno.test("flannel CHECK really checks", () =>
  withWorld(async (w) => {
    const prev = (await w.run("ADD", { cniVersion: "1.0.0" })).json();
    assertEquals(
      (await w.run("CHECK", { cniVersion: "1.0.0" })).json().msg,
      "Required prevResult missing",
    );
    assertEquals(
      (await w.run("CHECK", { cniVersion: "1.0.0", prevResult: prev }, {
        CNI_CONTAINERID: "other",
      })).json().msg.startsWith("No saved delegate configuration"),
      true,
    );
    w.bridge.live.clear();
    assertEquals((await w.run("CHECK", { cniVersion: "1.0.0", prevResult: prev })).json(), {
      code: 999,
      msg: "gone",
    });
    assertEquals(w.bridge.calls.at(-1), "CHECK ctr1/eth0 10.1.17.2/24");
  }));

Deno.test("flannel STATUS: 50 while subnet.env is missing, else success", () =>
  withWorld(async (w) => {
    const env = { CNI_CONTAINERID: "", CNI_IFNAME: "", CNI_NETNS: "" };
    assertEquals((await w.run("STATUS", { cniVersion: "1.1.0" }, env)).code, 0);
    await Deno.remove(`${w.dir}/subnet.env`);
    const r = await w.run("STATUS", { cniVersion: "1.1.0" }, env);
    assertEquals(r.json().code, 50);
    assertStringIncludes(r.json().msg, "no such file or directory");
  }));

Deno.test("flannel GC deletes attachments not listed as valid", () =>
  withWorld(async (w) => {
    for (const id of ["keep", "gone"]) {
      await w.run("ADD", { cniVersion: "1.1.0" }, { CNI_CONTAINERID: id });
    }
    await w.run("ADD", { cniVersion: "1.1.0" }, { CNI_CONTAINERID: "keep", CNI_IFNAME: "net1" });
    const gc = await w.run("GC", {
      cniVersion: "1.1.0",
      ipam: { dataDir: `${w.dir}/ipam` },
      "cni.dev/valid-attachments": [{ containerID: "keep", ifname: "eth0" }],
    }, { CNI_CONTAINERID: "", CNI_IFNAME: "", CNI_NETNS: "" });
    assertEquals([gc.code, gc.out], [0, ""]);
    assertEquals([...w.bridge.live.keys()], ["keep/eth0"]);
    // A GC without the list (not what libcni sends) deletes nothing.
    const none = await w.run("GC", { cniVersion: "1.1.0" }, {
      CNI_CONTAINERID: "",
      CNI_IFNAME: "",
      CNI_NETNS: "",
    });
    assertEquals(none.code, 0);
    assertEquals([...w.bridge.live.keys()], ["keep/eth0"]);
    assert(await exists(`${w.dir}/state/keep`));
    assert(!(await exists(`${w.dir}/state/gone`)));
    assert(!(await exists(`${w.dir}/state/keep@net1`)));
  }));

Deno.test("flannel runs other delegate types from CNI_PATH (pass-through version)", () =>
  withWorld(async (w) => {
    const add = await w.run("ADD", { cniVersion: "1.0.0", delegate: { type: "fakebr" } });
    assertEquals(add.code, 0, add.out);
    assertEquals(add.json().cniVersion, "0.3.1", "the delegate's version, not converted (§2.9 Q7)");
    assertStringIncludes(add.err, "note on stderr");
    assertEquals((await w.run("DEL", { cniVersion: "1.0.0" })).code, 0);
    const log = fakeLog(w.dir);
    assertEquals(log.map((l) => l.split(" ").slice(0, 3).join(" ")), [
      "ADD ctr1 eth0",
      "DEL ctr1 eth0",
    ]);
    assertEquals(log[0]!.slice("ADD ctr1 eth0 ".length), log[1]!.slice("DEL ctr1 eth0 ".length));
    const missing = await w.run("ADD", { delegate: { type: "nosuch" } });
    assertEquals(
      missing.json().msg,
      `failed to delegate add: failed to find plugin "nosuch" in path [${w.dir}]`,
    );
    // A bridge config the in-process bridge does not claim is exec'd too.
    const other = await w.run("ADD", { delegate: { unsupported: 1 } });
    assertStringIncludes(other.json().msg, 'failed to find plugin "bridge"');
  }));
