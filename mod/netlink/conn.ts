/**
 * A request connection: numbers requests, sends them, and matches replies by sequence
 * number — one request → ACK, a GET → its object, a dump → every part up to NLMSG_DONE, and a
 * batch → one result per message.
 *
 * Design notes:
 * - Transport-agnostic and synchronous: it talks to a {@linkcode Transport} (the FFI socket,
 *   or a fake kernel in tests), so it never awaits and the socket's namespace never matters.
 * - Batches put up to `batchSize` messages in one sendto and set NLM_F_ACK on the last one
 *   only (clearing it on the others, so requests built like iproute2's can be batched). The kernel processes a datagram's messages in order and reports every failing
 *   message even without NLM_F_ACK, so the replies before the final ACK are exactly the
 *   failures, attributed by sequence number. CAP_ACK keeps those replies small.
 * - Replies with a sequence number we are not waiting for (left over from a request that
 *   timed out) are dropped. A dump interrupted by concurrent changes (NLM_F_DUMP_INTR) is
 *   retried a few times, then returned as is: callers reconcile periodically anyway.
 */
import { Reader, Writer } from "./codec/bytes.ts";
import * as K from "./codec/consts.ts";
import { describe } from "./codec/describe.ts";
import { forEachMessage, type NlHeader } from "./codec/header.ts";
import { decodeBody, encodeRequest, type Request } from "./codec/message.ts";
import { NetlinkError } from "./errors.ts";

/** What a connection needs from a socket. */
export interface Transport {
  send(bytes: Uint8Array): void;
  /** One datagram into `buf`; returns its length. Throws NetlinkError (ETIMEDOUT, ENOBUFS…). */
  recv(buf: Uint8Array): number;
  close(): void;
}

/** Options of {@linkcode Conn}. */
export interface ConnOptions {
  /** Messages per sendto in {@linkcode Conn.batch} (default 128). */
  batchSize?: number;
  /** Receive buffer size (default 64 KiB; kernel dump parts are ≤ 32 KiB). */
  recvBytes?: number;
  /** First sequence number (default 1). */
  firstSeq?: number;
}

/** One result per batched request: null when it succeeded, else its error. */
export type BatchResult = NetlinkError | null;

const DUMP_RETRIES = 3;
const MAX_BATCH_BYTES = 64 * 1024;

/** Sequence-numbered request/reply over one netlink socket. Not safe for concurrent use. */
export class Conn {
  readonly #t: Transport;
  readonly #w = new Writer(8192);
  readonly #buf: Uint8Array;
  readonly #batchSize: number;
  #seq: number;

  constructor(transport: Transport, opts: ConnOptions = {}) {
    this.#t = transport;
    this.#buf = new Uint8Array(opts.recvBytes ?? 65536);
    this.#batchSize = Math.max(1, opts.batchSize ?? 128);
    this.#seq = (opts.firstSeq ?? 1) >>> 0;
  }

  #next(): number {
    const s = this.#seq;
    this.#seq = (this.#seq + 1) >>> 0;
    return s;
  }

  #send(req: Request, extraFlags: number): number {
    const seq = this.#next();
    this.#w.reset();
    encodeRequest(this.#w, req, req.flags | extraFlags, seq);
    this.#io(req, () => this.#t.send(this.#w.bytes()));
    return seq;
  }

  /** Runs a transport call; a socket failure is reported as a failure of `req`. */
  #io<T>(req: Request, call: () => T): T {
    try {
      return call();
    } catch (e) {
      if (!(e instanceof NetlinkError)) throw e;
      throw new NetlinkError(e.errnoNumber, describe(req), e.extAck, { cause: e });
    }
  }

  /** Receives datagrams, calling `fn` per message until it returns true. */
  #until(
    req: Request,
    fn: (h: NlHeader & { len: number }, r: Reader, off: number, end: number) => boolean,
  ): void {
    for (let done = false; !done;) {
      const n = this.#io(req, () => this.#t.recv(this.#buf));
      const r = new Reader(this.#buf.subarray(0, n));
      forEachMessage(r, n, (h, off, at) => {
        if (!done) done = fn(h, r, off, at + h.len);
      });
    }
  }

  /** Sends `req` with NLM_F_ACK and waits for the ACK. Throws {@linkcode NetlinkError}. */
  exec(req: Request): void {
    const seq = this.#send(req, K.NLM_F_REQUEST | K.NLM_F_ACK);
    this.#until(req, (h, r, off, end) => {
      if (h.seq !== seq || h.type !== K.NLMSG_ERROR) return false;
      const m = decodeBody(r, h, off, end);
      if (m.kind === "error" && m.body.error !== 0) {
        throw new NetlinkError(m.body.error, describe(req), m.body.extAck?.msg);
      }
      return true;
    });
  }

  /** Sends a GET (no dump) and returns the one object the kernel answers with. */
  get<R extends Request>(req: R): R["body"] {
    const seq = this.#send(req, K.NLM_F_REQUEST);
    let out: R["body"] | undefined;
    this.#until(req, (h, r, off, end) => {
      if (h.seq !== seq) return false;
      const m = decodeBody(r, h, off, end);
      if (m.kind === "error") {
        throw new NetlinkError(m.body.error || 5, describe(req), m.body.extAck?.msg);
      }
      if (m.kind !== req.kind) return false;
      out = m.body as R["body"];
      return true;
    });
    return out!;
  }

  /** Dumps (NLM_F_DUMP) and returns every object of the request's kind. */
  dump<R extends Request>(req: R): R["body"][] {
    for (let attempt = 0;; attempt++) {
      const { items, interrupted } = this.#dumpOnce(req);
      if (!interrupted || attempt >= DUMP_RETRIES) return items;
    }
  }

  #dumpOnce<R extends Request>(req: R): { items: R["body"][]; interrupted: boolean } {
    const items: R["body"][] = [];
    const complete = this.dumpEach(req, (body) => items.push(body));
    return { items, interrupted: !complete };
  }

  /**
   * Dumps (NLM_F_DUMP) and hands each object of the request's kind to `fn` as it is decoded,
   * keeping none (a full pass reads tens of thousands of entries); `fn` must not use this
   * connection. Returns false when the kernel flagged the dump as interrupted by concurrent
   * changes (NLM_F_DUMP_INTR): what was seen may be inconsistent. Not retried: the objects
   * were already handed over.
   */
  dumpEach<R extends Request>(req: R, fn: (body: R["body"]) => void): boolean {
    const seq = this.#send(req, K.NLM_F_REQUEST | K.NLM_F_DUMP);
    let interrupted = false;
    this.#until(req, (h, r, off, end) => {
      if (h.seq !== seq) return false;
      if (h.flags & K.NLM_F_DUMP_INTR) interrupted = true;
      const m = decodeBody(r, h, off, end);
      if (m.kind === "error" || (m.kind === "done" && m.body.error < 0)) {
        throw new NetlinkError(m.body.error || 5, describe(req), m.body.extAck?.msg);
      }
      if (m.kind === "done") return true;
      if (m.kind === req.kind) fn(m.body as R["body"]);
      return false;
    });
    return !interrupted;
  }

  /**
   * Sends many requests, `batchSize` per sendto, and returns one result per request, in
   * order: null for success, the {@linkcode NetlinkError} for a failure. Never throws for a
   * kernel refusal; a transport failure fails the requests whose fate it left unknown.
   */
  batch(reqs: readonly Request[]): BatchResult[] {
    const out: BatchResult[] = new Array(reqs.length).fill(null);
    for (let start = 0; start < reqs.length;) start = this.#chunk(reqs, start, out);
    return out;
  }

  #chunk(reqs: readonly Request[], start: number, out: BatchResult[]): number {
    const w = this.#w;
    w.reset();
    const base = this.#seq;
    let end = start;
    while (end < reqs.length && end - start < this.#batchSize && w.len < MAX_BATCH_BYTES) {
      const req = reqs[end]!;
      const last = end + 1 === reqs.length || end + 1 - start === this.#batchSize ||
        w.len >= MAX_BATCH_BYTES / 2;
      const flags = (req.flags & ~K.NLM_F_ACK) | K.NLM_F_REQUEST | (last ? K.NLM_F_ACK : 0);
      encodeRequest(w, req, flags, this.#next());
      end++;
      if (last) break;
    }
    this.#settle(reqs, start, end, base, out);
    return end;
  }

  #settle(reqs: readonly Request[], start: number, end: number, base: number, out: BatchResult[]) {
    const count = end - start;
    try {
      this.#t.send(this.#w.bytes());
      this.#until(reqs[start]!, (h, r, off, msgEnd) => {
        const i = (h.seq - base) >>> 0;
        if (h.type !== K.NLMSG_ERROR || i >= count) return false;
        const m = decodeBody(r, h, off, msgEnd);
        if (m.kind === "error" && m.body.error !== 0) {
          out[start + i] = new NetlinkError(
            m.body.error,
            describe(reqs[start + i]!),
            m.body.extAck?.msg,
          );
        }
        return i === count - 1;
      });
    } catch (e) {
      if (!(e instanceof NetlinkError)) throw e;
      for (let i = start; i < end; i++) {
        out[i] ??= new NetlinkError(e.errnoNumber, describe(reqs[i]!), undefined, { cause: e });
      }
    }
  }

  /** Closes the transport. */
  close(): void {
    this.#t.close();
  }
}
