import { assert, assertEquals, assertStringIncludes } from "../../harness/assert.ts";
import { type CmdArgs, type CniPlugin, runCni } from "../../../mod/cni/skel.ts";
import { CniError } from "../../../mod/cni/errors.ts";
import type { CniResult } from "../../../mod/cni/result.ts";
import { SUPPORTED_VERSIONS } from "../../../mod/cni/version.ts";
import { MAX_JSON_DEPTH } from "../../../mod/cni/json_depth.ts";
import { cniEnv, fakeIO } from "./skel_helpers.ts";

const RESULT: CniResult = {
  cniVersion: "1.1.0",
  interfaces: [{ name: "eth0", sandbox: "/var/run/netns/pod" }],
  ips: [{ address: "10.244.1.2/24", gateway: "10.244.1.1", interface: 0 }],
  routes: [{ dst: "10.244.0.0/16" }],
  dns: {},
};

function recorder(opts: { gc?: boolean; fail?: Error } = {}) {
  const calls: [string, CmdArgs][] = [];
  const handler = (name: string) => (a: CmdArgs) => {
    calls.push([name, a]);
    return opts.fail ? Promise.reject(opts.fail) : Promise.resolve();
  };
  const plugin: CniPlugin = {
    about: "CNI Plugin test version v0 (linux/amd64) commit none",
    add: async (a) => {
      await handler("ADD")(a);
      return { result: RESULT, version: a.cniVersion };
    },
    del: handler("DEL"),
    check: handler("CHECK"),
    ...(opts.gc ? { gc: handler("GC"), status: handler("STATUS") } : {}),
  };
  return { plugin, calls };
}

const conf = (v?: string) => JSON.stringify({ ...(v ? { cniVersion: v } : {}), name: "cbr0" });

async function call(env: Record<string, string>, stdin: string, plugin?: CniPlugin) {
  const io = fakeIO(env, stdin);
  const code = await runCni(plugin ?? recorder().plugin, io.io);
  return { code, out: io.out(), err: io.err(), json: () => JSON.parse(io.out()) };
}

Deno.test("runCni() VERSION ignores stdin and prints the library's answer", async () => {
  const r = await call({ CNI_COMMAND: "VERSION" }, "not json");
  assertEquals(r.code, 0);
  assertEquals(
    r.out,
    '{"cniVersion":"1.1.0","supportedVersions":["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]}\n',
  );
});

Deno.test("runCni() without CNI_COMMAND prints the about text on stderr, exit 0", async () => {
  const r = await call({}, "");
  assertEquals([r.code, r.out], [0, ""]);
  assertEquals(
    r.err,
    "CNI Plugin test version v0 (linux/amd64) commit none\nCNI protocol versions supported: 0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0\n",
  );
});

Deno.test("runCni() ADD and DEL in every claimed version", async (t) => {
  for (const v of SUPPORTED_VERSIONS) {
    await t.step(v, async () => {
      const { plugin, calls } = recorder();
      const add = await call(cniEnv("ADD"), conf(v), plugin);
      assertEquals(add.code, 0);
      assertEquals(add.json().cniVersion, v);
      assert(!add.out.endsWith("\n"), "no trailing newline, as Go prints");
      const del = await call(cniEnv("DEL"), conf(v), plugin);
      assertEquals([del.code, del.out], [0, ""]);
      assertEquals(calls.map(([c, a]) => [c, a.cniVersion, a.containerID]), [
        ["ADD", v, "ctr1"],
        ["DEL", v, "ctr1"],
      ]);
    });
  }
});

Deno.test("runCni() CHECK needs ≥ 0.4.0; GC and STATUS need ≥ 1.1.0", async (t) => {
  for (const v of SUPPORTED_VERSIONS) {
    await t.step(v, async () => {
      const { plugin, calls } = recorder({ gc: true });
      const check = await call(cniEnv("CHECK"), conf(v), plugin);
      const gc = await call({ CNI_COMMAND: "GC", CNI_PATH: "/x" }, conf(v), plugin);
      const st = await call({ CNI_COMMAND: "STATUS", CNI_PATH: "/x" }, conf(v), plugin);
      const newer = v === "1.1.0",
        checkOk = !v.startsWith("0.1") && !v.startsWith("0.2") &&
          !v.startsWith("0.3");
      assertEquals(check.code, checkOk ? 0 : 1);
      if (!checkOk) {
        assertEquals(check.json(), { code: 1, msg: "config version does not allow CHECK" });
      }
      assertEquals([gc.code, st.code], newer ? [0, 0] : [1, 1]);
      if (!newer) assertEquals(gc.json().msg, "config version does not allow GC");
      if (!newer) assertEquals(st.json().msg, "config version does not allow STATUS");
      assertEquals(calls.length, (checkOk ? 1 : 0) + (newer ? 2 : 0));
    });
  }
});

Deno.test("runCni() GC/STATUS without handlers succeed silently (1.1.0)", async () => {
  const gc = await call({ CNI_COMMAND: "GC", CNI_PATH: "/x" }, conf("1.1.0"));
  assertEquals([gc.code, gc.out], [0, ""]);
});

Deno.test("runCni() environment errors: codes, messages and check order", async (t) => {
  const cases: [string, Record<string, string>, unknown][] = [
    ["missing", { CNI_COMMAND: "ADD" }, {
      code: 4,
      msg: "required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME,CNI_PATH] missing",
    }],
    ["DEL needs no netns", { CNI_COMMAND: "DEL", CNI_CONTAINERID: "c" }, {
      code: 4,
      msg: "required env variables [CNI_IFNAME,CNI_PATH] missing",
    }],
    ["bad id before missing", { CNI_COMMAND: "ADD", CNI_CONTAINERID: "-bad", CNI_IFNAME: "x" }, {
      code: 4,
      msg: "invalid characters in containerID",
      details: "-bad",
    }],
    ["long ifname", cniEnv("ADD", { CNI_IFNAME: "abcdefghijklmnop" }), {
      code: 4,
      msg: "interface name is too long",
      details: "interface name should be less than 16 characters",
    }],
    ["dot ifname", cniEnv("DEL", { CNI_IFNAME: ".." }), {
      code: 4,
      msg: "interface name is . or ..",
    }],
    ["slash ifname", cniEnv("CHECK", { CNI_IFNAME: "a/b" }), {
      code: 4,
      msg: "interface name contains / or : or whitespace characters",
    }],
    ["GC needs CNI_PATH", { CNI_COMMAND: "GC" }, {
      code: 4,
      msg: "required env variables [CNI_PATH] missing",
    }],
    ["unknown command", { CNI_COMMAND: "add" }, { code: 4, msg: "unknown CNI_COMMAND: add" }],
  ];
  for (const [name, env, want] of cases) {
    await t.step(name, async () => {
      const r = await call(env, conf("1.0.0"));
      assertEquals([r.code, r.json()], [1, want]);
    });
  }
});

Deno.test("runCni() stdin errors: bad JSON 6, name 7, version 1 and 6", async (t) => {
  const cases: [string, string, number, string][] = [
    ["not JSON", "{", 6, "error unmarshall network config: "],
    ["empty", "", 6, "error unmarshall network config: unexpected end of JSON input"],
    ["array", "[]", 6, "error unmarshall network config: json: cannot unmarshal array"],
    ["null", "null", 7, "missing network name"],
    ["no name", "{}", 7, "missing network name"],
    ["bad name", '{"name":"a b"}', 7, "invalid characters found in network name"],
    ["name not string", '{"name":5}', 6, "cannot unmarshal number"],
    ["version 1.0", '{"name":"n","cniVersion":"1.0"}', 1, "incompatible CNI versions"],
    ["version number", '{"name":"n","cniVersion":1}', 6, "decoding version from network config"],
  ];
  for (const [name, stdin, code, msg] of cases) {
    await t.step(name, async () => {
      const r = await call(cniEnv("ADD"), stdin);
      assertEquals(r.code, 1);
      assertEquals(r.json().code, code);
      assertStringIncludes(String(r.json().msg), msg);
    });
  }
  const r = await call(cniEnv("ADD"), '{"name":"n","cniVersion":"9.9.9"}');
  assertEquals(
    r.json().details,
    'config is "9.9.9", plugin supports ["0.1.0" "0.2.0" "0.3.0" "0.3.1" "0.4.0" "1.0.0" "1.1.0"]',
  );
  assertEquals(r.out.split("\n")[1], '    "code": 1,');
});

Deno.test("runCni() refuses stdin nested deeper than the bound: code 6, handler not called", async () => {
  const { plugin, calls } = recorder();
  const nested = (n: number) => `{"name":"n","x":${"[".repeat(n)}${"]".repeat(n)}}`;
  for (const cmd of ["ADD", "DEL", "CHECK"]) {
    const r = await call(cniEnv(cmd), nested(MAX_JSON_DEPTH), plugin);
    assertEquals(r.json(), {
      code: 6,
      msg:
        `error unmarshall network config: exceeded max depth (${MAX_JSON_DEPTH} levels of nesting)`,
    });
  }
  assertEquals(calls.length, 0);
  assertEquals((await call(cniEnv("DEL"), nested(MAX_JSON_DEPTH - 1), plugin)).code, 0);
  // Brackets inside strings (escaped quotes too) are not nesting.
  const text = `{"name":"n","s":"\\"${"[".repeat(MAX_JSON_DEPTH + 5)}"}`;
  assertEquals((await call(cniEnv("DEL"), text, plugin)).code, 0);
});

Deno.test("runCni() missing or empty cniVersion counts as 0.1.0", async () => {
  const { plugin, calls } = recorder();
  await call(cniEnv("ADD"), '{"name":"n"}', plugin);
  await call(cniEnv("DEL"), '{"name":"n","cniVersion":""}', plugin);
  assertEquals(calls.map(([, a]) => a.cniVersion), ["0.1.0", "0.1.0"]);
  const check = await call(cniEnv("CHECK"), '{"name":"n"}', plugin);
  assertEquals(check.json().code, 1);
});

Deno.test("runCni() handler errors: CNI errors pass through, others become 999", async () => {
  const inner = new CniError(11, "try again", "later");
  const a = await call(
    cniEnv("DEL"),
    conf("1.0.0"),
    recorder({ fail: new Error("x", { cause: inner }) }).plugin,
  );
  assertEquals(a.json(), { code: 11, msg: "try again", details: "later" });
  const b = await call(cniEnv("DEL"), conf("1.0.0"), recorder({ fail: new Error("boom") }).plugin);
  assertEquals(b.json(), { code: 999, msg: "boom" });
});

Deno.test("runCni() refuses CNI_NETNS = own netns unless overridden", async () => {
  const { plugin, calls } = recorder();
  const io = fakeIO(cniEnv("ADD"), conf("1.0.0"), true);
  assertEquals(await runCni(plugin, io.io), 1);
  assertEquals(JSON.parse(io.out()).code, 8);
  assertEquals(calls.length, 0);
  const io2 = fakeIO(cniEnv("ADD", { CNI_NETNS_OVERRIDE: "TRUE" }), conf("1.0.0"), true);
  assertEquals(await runCni(plugin, io2.io), 0);
});
