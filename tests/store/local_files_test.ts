import { assert, assertEquals } from "../harness/assert.ts";
import { LocalDir } from "../../store/local_files.ts";

async function withDir(fn: (d: LocalDir) => void | Promise<void>): Promise<void> {
  const path = await Deno.makeTempDir({ prefix: "leases-" });
  try {
    const d = new LocalDir(`${path}/`);
    await d.init();
    await fn(d);
  } finally {
    await Deno.remove(path, { recursive: true });
  }
}

Deno.test("LocalDir: layout, create-if-absent, put, remove, revision", () =>
  withDir((d) => {
    assert(!d.dir.endsWith("/"));
    assertEquals(d.revision(), 0);
    const e = {
      value: '{"PublicIP":"1.2.3.4","PublicIPv6":null}',
      expiresAt: Date.UTC(2030, 0, 1),
    };
    assertEquals(d.create("10.5.1.0-24", e), true);
    assertEquals(d.create("10.5.1.0-24", { value: "{}", expiresAt: null }), false);
    assertEquals(Deno.readTextFileSync(`${d.subnets}/10.5.1.0-24`), e.value);
    assertEquals(Deno.readTextFileSync(`${d.expiry}/10.5.1.0-24`), "2030-01-01T00:00:00.000Z\n");
    assertEquals(d.read("10.5.1.0-24"), e);
    d.put("10.5.1.0-24", { value: "{}", expiresAt: null });
    assertEquals(d.read("10.5.1.0-24"), { value: "{}", expiresAt: null });
    assertEquals(d.expiryNames(), []);
    assertEquals([d.bump(), d.bump(), d.revision()], [1, 2, 2]);
    assertEquals([d.remove("10.5.1.0-24"), d.remove("10.5.1.0-24")], [true, false]);
    assertEquals(d.read("10.5.1.0-24"), null);
    // Nothing is left behind in tmp/.
    assertEquals([...Deno.readDirSync(`${d.dir}/tmp`)], []);
  }));

Deno.test("LocalDir: a value written by hand blocks create (link), dot files are ignored", () =>
  withDir(async (d) => {
    Deno.writeTextFileSync(`${d.subnets}/10.5.2.0-24`, "{}");
    Deno.writeTextFileSync(`${d.subnets}/.10.5.3.0-24.swp`, "x");
    Deno.writeTextFileSync(`${d.expiry}/10.5.4.0-24`, "not a time");
    assertEquals(d.create("10.5.2.0-24", { value: "{}", expiresAt: null }), false);
    assertEquals(d.names(), ["10.5.2.0-24"]);
    Deno.writeTextFileSync(`${d.subnets}/10.5.4.0-24`, "{}");
    assert(Number.isNaN(d.read("10.5.4.0-24")!.expiresAt));
    d.removeOrphanExpiry("10.5.4.0-24"); // not an orphan: it has a value
    assertEquals(d.expiryNames(), ["10.5.4.0-24"]);
    const { entries } = await d.scan(null);
    assertEquals([...entries.keys()].sort(), ["10.5.2.0-24", "10.5.4.0-24"]);
  }));

Deno.test("LocalDir.locked(): exclusive sections never overlap, even within one process", () =>
  withDir(async (d) => {
    let inside = 0;
    let most = 0;
    const section = () =>
      d.locked(true, async () => {
        most = Math.max(most, ++inside);
        await new Promise((r) => setTimeout(r, 5));
        inside--;
      });
    await Promise.all(Array.from({ length: 8 }, section));
    assertEquals(most, 1);
    // Shared sections may overlap.
    let shared = 0;
    let sharedMost = 0;
    await Promise.all(Array.from({ length: 4 }, () =>
      d.locked(false, async () => {
        sharedMost = Math.max(sharedMost, ++shared);
        await new Promise((r) => setTimeout(r, 20));
        shared--;
      })));
    assert(sharedMost > 1, String(sharedMost));
  }));
