import { assert, assertEquals } from "../harness/assert.ts";
import { LocalDir } from "../../store/local_files.ts";
import { makeFifo, unblockAfter } from "../harness/fifo.ts";

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

const FIFO_SKIP = "it is a FIFO, not a regular file";

Deno.test("LocalDir: FIFOs, directories, sockets and links to them under subnets/ are skipped, never read", () =>
  withDir(async (d) => {
    const fifo = `${d.subnets}/10.5.1.0-24`;
    await makeFifo(fifo);
    const stop = unblockAfter([fifo], 2000); // a reader stuck on the FIFO gets "" instead of hanging
    try {
      Deno.mkdirSync(`${d.subnets}/10.5.2.0-24`);
      Deno.symlinkSync(fifo, `${d.subnets}/10.5.3.0-24`);
      Deno.writeTextFileSync(`${d.subnets}/real`, "{}");
      Deno.symlinkSync(`${d.subnets}/real`, `${d.subnets}/10.5.4.0-24`);
      Deno.symlinkSync(`${d.dir}/nowhere`, `${d.subnets}/10.5.5.0-24`);
      const sock = Deno.listen({ transport: "unix", path: `${d.subnets}/10.5.6.0-24` });
      try {
        assertEquals(d.read("10.5.1.0-24"), { value: "", expiresAt: null, skip: FIFO_SKIP });
        assertEquals(d.read("10.5.2.0-24")?.skip, "it is a directory, not a regular file");
        assertEquals(d.read("10.5.3.0-24")?.skip, FIFO_SKIP, "a link to a FIFO");
        assertEquals(d.read("10.5.4.0-24"), { value: "{}", expiresAt: null }, "a link to a file");
        assertEquals(d.read("10.5.5.0-24"), null, "a dangling link is no entry");
        assertEquals(d.read("10.5.6.0-24")?.skip, "it is a socket, not a regular file");
        const { entries } = await d.scan(null);
        assertEquals(entries.get("10.5.1.0-24")?.skip, FIFO_SKIP);
        assertEquals(entries.size, 6);
        // Taken names: a create neither replaces nor fails on them.
        assertEquals(d.create("10.5.1.0-24", { value: "{}", expiresAt: null }), false);
        assertEquals(d.create("10.5.2.0-24", { value: "{}", expiresAt: null }), false);
      } finally {
        sock.close();
      }
      assert(Deno.lstatSync(fifo).isFifo, "left in place");
    } finally {
      await stop();
    }
  }));

Deno.test("LocalDir: non-regular files under expiry/ skip their entry, block a create, are never swept", () =>
  withDir(async (d) => {
    const fifo = `${d.expiry}/10.5.1.0-24`;
    await makeFifo(fifo);
    const stop = unblockAfter([fifo], 2000);
    try {
      Deno.writeTextFileSync(`${d.subnets}/10.5.1.0-24`, "{}");
      assertEquals(d.read("10.5.1.0-24"), {
        value: "{}",
        expiresAt: NaN,
        skip: "its expiry file is a FIFO, not a regular file",
      });
      Deno.mkdirSync(`${d.expiry}/10.5.2.0-24/sub`, { recursive: true }); // an orphan directory
      assertEquals(d.expiryNames(), [], "only regular expiry files are listed");
      d.removeOrphanExpiry("10.5.2.0-24");
      assert(Deno.statSync(`${d.expiry}/10.5.2.0-24`).isDirectory, "not swept");
      assertEquals(d.create("10.5.2.0-24", { value: "{}", expiresAt: Date.now() + 1000 }), false);
      assertEquals(d.read("10.5.2.0-24"), null);
      // The revision file is read the same way.
      await makeFifo(`${d.dir}/revision`);
      assertEquals(d.revision(), 0);
    } finally {
      await stop();
    }
  }));
