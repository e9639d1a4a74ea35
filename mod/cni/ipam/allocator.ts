/**
 * host-local's allocation policy over an abstract store: one address per range set,
 * round-robin from the last reserved address, gateway skipped, a full lap before giving up.
 *
 * Design notes: the iterator is a pure generator (unit-tested with upstream's vectors); the
 * store decides whether an address is free by creating its file exclusively, so two
 * allocators sharing a directory (ours and the reference host-local, under one flock) never
 * hand out one address twice.
 */
import type { IPAddr } from "../../ip/mod.ts";
import { type Range, rangeContains, rangeFor, type RangeSet, rangeSetString } from "./range.ts";

/** What the allocator needs from the store (the caller holds the store lock). */
export interface AllocatorStore {
  /** Creates the address's file exclusively; false when it already exists. */
  reserve(id: string, ifname: string, ip: IPAddr, rangeID: string): boolean;
  lastReservedIP(rangeID: string): IPAddr | null;
  getByID(id: string, ifname: string): IPAddr[];
}

/** One allocated address: host address, its subnet's prefix and the range's gateway. */
export interface Allocation {
  ip: IPAddr;
  prefixLen: number;
  gateway: IPAddr;
}

/**
 * Candidate addresses in host-local's order: after `last` when it lies in the set (else from
 * the first rangeStart), up each range's end, on to the next range, wrapping, until the
 * starting point comes round again; gateways skipped.
 */
export function* candidates(set: RangeSet, last: IPAddr | null): Generator<[IPAddr, Range]> {
  let idx = 0;
  let cur: IPAddr | null = null;
  let start: IPAddr | null = null;
  const from = last && set.some((r) => rangeContains(r, last)) ? last : null;
  if (from) {
    idx = set.findIndex((r) => rangeContains(r, from));
    cur = from;
  } else start = set[0]!.rangeStart;
  for (;;) {
    let r = set[idx]!;
    if (cur === null) {
      cur = r.rangeStart;
      start = cur;
    } else {
      if (cur.equals(r.rangeEnd)) {
        idx = (idx + 1) % set.length;
        r = set[idx]!;
        cur = r.rangeStart;
      } else cur = cur.add(1);
      if (start === null) start = cur;
      else if (cur.equals(start)) return;
    }
    if (!cur.equals(r.gateway)) yield [cur, r];
  }
}

/** Allocates one address of `set` for (id, ifname), or a requested one. Throws host-local's texts. */
export function allocate(
  store: AllocatorStore,
  set: RangeSet,
  rangeID: string,
  id: string,
  ifname: string,
  requested: IPAddr | null,
): Allocation {
  if (requested) {
    const r = rangeFor(set, requested);
    if (!r) throw new Error(`${requested} not in range set ${rangeSetString(set)}`);
    if (requested.equals(r.gateway)) {
      throw new Error(`requested ip ${requested} is subnet's gateway`);
    }
    if (!(store.reserve(id, ifname, requested, rangeID))) {
      throw new Error(
        `requested IP address ${requested} is not available in range set ${rangeSetString(set)}`,
      );
    }
    return { ip: requested, prefixLen: r.subnet.prefixLen, gateway: r.gateway };
  }
  for (const ip of store.getByID(id, ifname)) {
    if (rangeFor(set, ip)) {
      throw new Error(`${ip} has been allocated to ${id}, duplicate allocation is not allowed`);
    }
  }
  for (const [ip, r] of candidates(set, store.lastReservedIP(rangeID))) {
    if (store.reserve(id, ifname, ip, rangeID)) {
      return { ip, prefixLen: r.subnet.prefixLen, gateway: r.gateway };
    }
  }
  throw new Error(`no IP addresses available in range set: ${rangeSetString(set)}`);
}
