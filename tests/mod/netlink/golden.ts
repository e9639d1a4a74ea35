/**
 * Loads the golden netlink fixtures captured by tests/fixtures/netlink/capture.ts: the bytes
 * one iproute2 command sent (or received), with the command recorded beside them.
 */
import { assertEquals } from "../../harness/assert.ts";
import { Writer } from "../../../mod/netlink/codec/bytes.ts";
import { decodeMessages, encodeMessage, type Message } from "../../../mod/netlink/codec/message.ts";

const dir = new URL("../../fixtures/netlink/", import.meta.url);

export interface Golden {
  name: string;
  command: string;
  bytes: Uint8Array;
}

/** Reads `tests/fixtures/netlink/<name>.hex`. */
export function golden(name: string): Golden {
  const text = Deno.readTextFileSync(new URL(`${name}.hex`, dir));
  const command = text.match(/^# command: (.*)$/m)?.[1] ?? "";
  const hex = text.split("\n").filter((l) => !l.startsWith("#")).join(" ").trim().split(/\s+/);
  return { name, command, bytes: Uint8Array.from(hex, (h) => parseInt(h, 16)) };
}

/** Every fixture name in the folder. */
export function goldenNames(): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".hex"))
    .map((n) => n.slice(0, -4)).sort();
}

/** `bytes` with nlmsg_seq and nlmsg_pid zeroed (they differ per run). */
export function withoutSeqPid(bytes: Uint8Array): Uint8Array {
  const b = bytes.slice();
  b.fill(0, 8, 16);
  return b;
}

/** Encodes one message to fresh bytes. */
export function encodeOne(m: Message): Uint8Array {
  const w = new Writer(64);
  encodeMessage(w, m);
  return w.bytes().slice();
}

/** Lower-case hex of `b`, 16 bytes a line, for readable assertion diffs. */
export function hex(b: Uint8Array): string {
  const out: string[] = [];
  for (let i = 0; i < b.length; i += 16) {
    out.push([...b.subarray(i, i + 16)].map((x) => x.toString(16).padStart(2, "0")).join(" "));
  }
  return out.join("\n");
}

/** A message without seq/pid (the parts of a golden request that are stable). */
export type Stable = DistributiveOmit<Message, "seq" | "pid">;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * Asserts both directions for a request fixture: encode(expected) equals the bytes iproute2
 * sent (seq and pid aside), and decoding those bytes gives `expected` back.
 */
export function assertGoldenRequest(name: string, expected: Stable): void {
  const g = golden(name);
  const want = { ...expected, seq: 0, pid: 0 } as Message;
  assertEquals(hex(encodeOne(want)), hex(withoutSeqPid(g.bytes)), `${name}: ${g.command}`);
  assertEquals(decodeMessages(withoutSeqPid(g.bytes)), [want], `${name}: ${g.command}`);
}

/**
 * Decodes a kernel reply fixture, checks it re-encodes losslessly (the re-encoded bytes
 * decode to the same value, unknown attributes byte for byte; known ones are canonical, e.g.
 * IFLA_INFO_KIND without the kernel's trailing NUL), and returns the message.
 */
export function decodeGoldenReply(name: string): Message {
  const g = golden(name);
  const ms = decodeMessages(g.bytes);
  assertEquals(ms.length, 1, name);
  const again = encodeOne(ms[0]!);
  assertEquals(decodeMessages(again), ms, `${name}: re-decoded`);
  return ms[0]!;
}

/** The request a golden fixture holds, decoded, without seq/pid (to compare builders with). */
export function goldenRequest(name: string): Stable {
  const [m] = decodeMessages(golden(name).bytes);
  const { seq: _s, pid: _p, ...rest } = m!;
  return rest as Stable;
}
