/** Hostile and wrong-typed stdin through the whole flannel plugin (injected IO, no root). */
import { assert, assertEquals } from "../../../harness/assert.ts";
import { MAX_JSON_DEPTH } from "../../../../mod/cni/json_depth.ts";
import { exists, withWorld } from "./world.ts";

const COMMANDS = ["ADD", "DEL", "CHECK", "GC", "STATUS"];
const arrays = (n: number) => "[".repeat(n) + "]".repeat(n);
const objects = (n: number) => '{"a":'.repeat(n) + "1" + "}".repeat(n);

Deno.test("flannel: 5,000-deep JSON anywhere is a decoding error (code 6), never a stack overflow", () =>
  withWorld(async (w) => {
    const places = [
      `"x":${arrays(5000)}`,
      `"delegate":{"x":${arrays(5000)}}`,
      `"ipam":{"x":${objects(5000)}}`,
      `"runtimeConfig":${objects(5000)}`,
      `"prevResult":${objects(5000)}`,
      `"x":"${"[".repeat(5000)}",${`"y":${arrays(100000)}`}`,
    ];
    for (const inner of places) {
      for (const cmd of COMMANDS) {
        const r = await w.runRaw(cmd, w.confText(`"cniVersion":"1.1.0",${inner}`));
        assertEquals(r.json(), {
          code: 6,
          msg:
            `error unmarshall network config: exceeded max depth (${MAX_JSON_DEPTH} levels of nesting)`,
        }, `${cmd} ${inner.slice(0, 30)}`);
      }
    }
    assertEquals(w.bridge.calls, []);
    assert(!(await exists(`${w.dir}/state`)));
  }));

Deno.test("flannel: nesting up to the bound still works, brackets inside strings do not count", () =>
  withWorld(async (w) => {
    // root object + delegate object + the arrays = the bound exactly
    const deep = arrays(MAX_JSON_DEPTH - 2);
    const text = w.confText(
      `"cniVersion":"1.0.0","delegate":{"x":${deep},"s":"${"[".repeat(5000)}"}`,
    );
    const add = await w.runRaw("ADD", text);
    assertEquals(add.code, 0, add.out);
    const saved = JSON.parse(await Deno.readTextFile(`${w.dir}/state/ctr1`));
    assertEquals(JSON.stringify(saved.x), deep, "the deep value reaches the delegate as is");
    assertEquals((await w.runRaw("DEL", text)).code, 0);
    const over = await w.runRaw("ADD", text.replace(deep, arrays(MAX_JSON_DEPTH - 1)));
    assertEquals(over.json().code, 6);
  }));

Deno.test("flannel ADD refuses a wrong-typed ipam.dataDir before saving or allocating", () =>
  withWorld(async (w) => {
    for (const dataDir of [5, true, ["/tmp"], { a: 1 }]) {
      const r = await w.run("ADD", { cniVersion: "1.0.0", ipam: { dataDir } });
      const kind = typeof dataDir === "number"
        ? "number"
        : typeof dataDir === "boolean"
        ? "bool"
        : Array.isArray(dataDir)
        ? "array"
        : "object";
      assertEquals(r.json(), {
        code: 999,
        msg:
          `json: cannot unmarshal ${kind} into Go struct field IPAMConfig.ipam.dataDir of type string`,
      });
    }
    assertEquals(
      w.bridge.calls,
      [],
      "the delegate never ran (it would allocate in the default dir)",
    );
    assert(!(await exists(`${w.dir}/state`)), "nothing saved");
    assertEquals((await w.run("DEL", { ipam: { dataDir: 5 } })).code, 0);
  }));
