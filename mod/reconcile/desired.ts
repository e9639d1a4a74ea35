/**
 * The reconciler's desired state: entries by key, held in groups (one group per remote lease)
 * so a lease event costs work for that lease only.
 *
 * Design notes: two groups may name the same key (e.g. two leases briefly claiming one
 * subnet); the last group to set it owns it, and only the owner's removal deletes it.
 */
import type { Op } from "./diff.ts";
import { type Entry, entryKey, sameEntry } from "./entries.ts";

/** Receives the op a change calls for, under the entry's key. */
export type QueueOp = (key: string, op: Op) => void;

export class DesiredEntries {
  readonly #byKey = new Map<string, Entry>();
  readonly #owner = new Map<string, string>();
  readonly #groups = new Map<string, string[]>();

  /** Entries by key (read-only view for the diff). */
  get byKey(): ReadonlyMap<string, Entry> {
    return this.#byKey;
  }

  /** The desired entry under `e`'s key (the kernel object `e` occupies), if any. */
  wanted(e: Entry): Entry | undefined {
    return this.#byKey.get(entryKey(e));
  }

  /** Group names currently held. */
  groups(): string[] {
    return [...this.#groups.keys()];
  }

  /** Sets a group's entries; `queue` gets a replace per changed entry, a delete per dropped one. */
  setGroup(group: string, entries: readonly Entry[], queue: QueueOp): void {
    const keys: string[] = [];
    for (const e of entries) {
      const k = entryKey(e);
      keys.push(k);
      const cur = this.#byKey.get(k);
      this.#owner.set(k, group);
      if (cur !== undefined && sameEntry(cur, e)) continue;
      this.#byKey.set(k, e);
      queue(k, { op: "replace", entry: e });
    }
    const old = this.#groups.get(group);
    if (old !== undefined) {
      const fresh = new Set(keys);
      for (const k of old) if (!fresh.has(k)) this.#drop(group, k, queue);
    }
    if (keys.length > 0) this.#groups.set(group, keys);
    else this.#groups.delete(group);
  }

  /** Removes a group; `queue` gets a delete per entry it owned. */
  deleteGroup(group: string, queue: QueueOp): void {
    for (const k of this.#groups.get(group) ?? []) this.#drop(group, k, queue);
    this.#groups.delete(group);
  }

  #drop(group: string, k: string, queue: QueueOp): void {
    if (this.#owner.get(k) !== group) return;
    const e = this.#byKey.get(k);
    this.#byKey.delete(k);
    this.#owner.delete(k);
    if (e !== undefined) queue(k, { op: "delete", entry: e });
  }
}
