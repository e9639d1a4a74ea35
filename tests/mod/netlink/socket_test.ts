import { assert, assertEquals, assertThrows } from "../../harness/assert.ts";
import { isRoot, linkVeth, NOT_ROOT, withNetns } from "../../../scripts/lab/netns.ts";
import { Writer } from "../../../mod/netlink/codec/bytes.ts";
import { decodeMessages, encodeMessage } from "../../../mod/netlink/codec/message.ts";
import { NetlinkError } from "../../../mod/netlink/errors.ts";
import { linkDump } from "../../../mod/netlink/ops/link.ts";
import { inNetns, NetlinkSocket, openNetns } from "../../../mod/netlink/socket.ts";

const ignore = !isRoot;
const selfNs = () => Deno.readLinkSync("/proc/thread-self/ns/net");

function dumpNames(s: NetlinkSocket): string[] {
  const w = new Writer();
  encodeMessage(w, { ...linkDump(), seq: 1, pid: 0 });
  s.send(w.bytes());
  const buf = new Uint8Array(65536);
  const names: string[] = [];
  for (let i = 0; i < 100; i++) {
    const ms = decodeMessages(buf, s.recv(buf));
    for (const m of ms) if (m.kind === "link") names.push(m.body.name ?? "");
    if (ms.some((m) => m.kind === "done")) return names.sort();
  }
  throw new Error("dump did not end");
}

Deno.test({
  name: "NetlinkSocket.open({ netns }) belongs to that namespace; the thread returns",
  ignore,
  fn: () =>
    withNetns(2, async (a, b) => {
      await linkVeth(a, "sa0", b, "sb0");
      const before = selfNs();
      const s = NetlinkSocket.open({ netns: a.path, timeoutMs: 2000 });
      try {
        assertEquals(selfNs(), before);
        assert(s.portid > 0 && s.fd > 2);
        assertEquals(dumpNames(s), ["lo", "sa0"]);
      } finally {
        s.close();
      }
    }, "nls"),
});

Deno.test({
  name: "inNetns() switches back even when the callback throws",
  ignore,
  fn: () =>
    withNetns(1, (a) => {
      const before = selfNs();
      let inside = "";
      assertThrows(
        () =>
          inNetns(a.path, () => {
            inside = selfNs();
            throw new Error("boom");
          }),
        Error,
        "boom",
      );
      assert(inside !== before, "ran inside the other namespace");
      assertEquals(selfNs(), before);
      return Promise.resolve();
    }, "nls"),
});

Deno.test({
  name: "openNetns() of a missing path is ENOENT; a fd is closable twice",
  ignore,
  fn: () => {
    assertEquals(
      assertThrows(() => openNetns("/var/run/netns/does-not-exist-x"), NetlinkError).errno,
      "ENOENT",
    );
    const fd = openNetns("/proc/self/ns/net");
    assert(fd.fd > 2);
    fd.close();
    fd.close();
  },
});

Deno.test({
  name: "a blocking recv times out (ETIMEDOUT); a nonblocking one returns 0; wait() times out",
  ignore,
  fn: () =>
    withNetns(1, async (a) => {
      const s = NetlinkSocket.open({ netns: a.path, timeoutMs: 100 });
      const t0 = performance.now();
      assertEquals(assertThrows(() => s.recv(new Uint8Array(64)), NetlinkError).errno, "ETIMEDOUT");
      assert(performance.now() - t0 < 1000);
      s.close();
      assertEquals(assertThrows(() => s.send(new Uint8Array(16)), NetlinkError).errno, "EBADF");
      const nb = NetlinkSocket.open({
        netns: a.path,
        nonblocking: true,
        groups: [1],
        rcvbufBytes: 1 << 20,
      });
      try {
        assertEquals(nb.recv(new Uint8Array(64)), 0);
        assertEquals(await nb.wait(20), false);
      } finally {
        nb.close();
      }
    }, "nls"),
});

if (ignore) console.warn(`socket tests ignored: ${NOT_ROOT}`);
