/**
 * A fake kernel behind the {@linkcode Transport} interface: decodes what a connection sends and
 * answers like rtnetlink does — an error for every failing message, an ACK when asked, GET
 * replies, dumps split over datagrams and ended by NLMSG_DONE. No root, no FFI.
 */
import { Writer } from "../../../mod/netlink/codec/bytes.ts";
import * as K from "../../../mod/netlink/codec/consts.ts";
import {
  decodeMessages,
  encodeMessage,
  type Message,
  type ObjectMessage,
} from "../../../mod/netlink/codec/message.ts";
import type { Transport } from "../../../mod/netlink/conn.ts";
import { NetlinkError } from "../../../mod/netlink/errors.ts";

/** What the fake answers for one message: an errno, objects (GET/dump), or nothing (ok). */
export interface Answer {
  errno?: number;
  extAck?: string;
  objects?: ObjectMessage["body"][];
  /** Mark dump parts NLM_F_DUMP_INTR. */
  interrupted?: boolean;
}

export type Handler = (m: ObjectMessage) => Answer | void;

export class FakeKernel implements Transport {
  readonly sent: ObjectMessage[] = [];
  /** Each sendto's message count (to check batching). */
  readonly sendSizes: number[] = [];
  readonly queue: Uint8Array[] = [];
  closed = false;
  handler: Handler;
  /** When set, `recv` throws this errno once (then clears it and drops the queue)… */
  failRecv: number | undefined;
  /** …after delivering this many queued datagrams first. */
  failAfter = 0;

  constructor(handler: Handler = () => {}) {
    this.handler = handler;
  }

  send(bytes: Uint8Array): void {
    const ms = decodeMessages(bytes.slice()) as ObjectMessage[];
    this.sendSizes.push(ms.length);
    for (const m of ms) {
      this.sent.push(m);
      this.#answer(m, this.handler(m) ?? {});
    }
  }

  #answer(m: ObjectMessage, a: Answer): void {
    const head = { seq: m.seq, pid: 4242 };
    if (a.errno) {
      const flags = a.extAck ? K.NLM_F_ACK_TLVS | K.NLM_F_CAPPED : K.NLM_F_CAPPED;
      const request = { len: 16, type: m.type, flags: m.flags, seq: m.seq, pid: 0 };
      const body = { error: -a.errno, request, ...(a.extAck ? { extAck: { msg: a.extAck } } : {}) };
      this.push([{ ...head, kind: "error", type: K.NLMSG_ERROR, flags, body }]);
      return;
    }
    const dump = (m.flags & K.NLM_F_DUMP) === K.NLM_F_DUMP;
    const flags = (dump ? K.NLM_F_MULTI : 0) | (a.interrupted ? K.NLM_F_DUMP_INTR : 0);
    const objs = (a.objects ?? []).map((body) =>
      ({ ...head, kind: m.kind, type: m.type - 2, flags, body }) as Message
    );
    for (let i = 0; i < objs.length; i += 2) this.push(objs.slice(i, i + 2));
    if (dump) this.push([{ ...head, kind: "done", type: K.NLMSG_DONE, flags, body: { error: 0 } }]);
    if (m.flags & K.NLM_F_ACK) this.push([this.ack(m)]);
  }

  ack(m: ObjectMessage): Message {
    const request = { len: 16, type: m.type, flags: m.flags, seq: m.seq, pid: 0 };
    return {
      kind: "error",
      type: K.NLMSG_ERROR,
      flags: K.NLM_F_CAPPED,
      seq: m.seq,
      pid: 4242,
      body: { error: 0, request },
    };
  }

  /** Queues one datagram holding `ms`. */
  push(ms: Message[]): void {
    const w = new Writer();
    for (const m of ms) encodeMessage(w, m);
    this.queue.push(w.bytes().slice());
  }

  recv(buf: Uint8Array): number {
    if (this.failRecv !== undefined && this.failAfter-- <= 0) {
      const e = this.failRecv;
      this.failRecv = undefined;
      this.queue.length = 0;
      throw new NetlinkError(e, "recvfrom netlink socket");
    }
    const d = this.queue.shift();
    if (!d) throw new NetlinkError(110, "wait for a netlink reply");
    buf.set(d);
    return d.length;
  }

  close(): void {
    this.closed = true;
  }
}
