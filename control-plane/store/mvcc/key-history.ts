// Every revision of one key the store still holds, oldest first: etcd's
// keyIndex and the backend's rows for that key in one list. A tombstone ends a
// generation; the next put starts a new one (createRevision and version reset).
import type { KeyValue } from "./types.ts";

export interface RevisionRecord {
  /** For a tombstone: the key, modRevision = the delete's revision, all else zero (a DELETE event's kv). */
  readonly kv: KeyValue;
  /** Position of the change inside its revision's write transaction. */
  readonly sub: number;
  readonly tombstone: boolean;
  readonly history: KeyHistory;
}

export class KeyHistory {
  private readonly list: RevisionRecord[] = [];
  // The newest record's revision and kind, kept on the object itself: range
  // scans and counts read only these for most keys, one memory access each.
  private latestRev = 0;
  private latestTombstone = true;

  constructor(
    readonly key: string,
    readonly keyBytes: Uint8Array,
  ) {}

  get revs(): readonly RevisionRecord[] {
    return this.list;
  }

  get isEmpty(): boolean {
    return this.list.length === 0;
  }

  push(record: RevisionRecord): void {
    this.list.push(record);
    this.noteLatest();
  }

  pop(): void {
    this.list.pop();
    this.noteLatest();
  }

  /** Whether the key exists at `rev`, without touching its records when the newest one decides. */
  existsAt(rev: number): boolean {
    if (this.latestRev <= rev) return !this.latestTombstone;
    return this.visible(rev) !== undefined;
  }

  /** The newest record at or before `rev`, tombstones included. */
  at(rev: number): RevisionRecord | undefined {
    const revs = this.list;
    if (this.latestRev <= rev) return revs[revs.length - 1];
    let lo = 0;
    let hi = revs.length - 1; // revs[hi] is past rev
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (revs[mid]!.kv.modRevision <= rev) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? undefined : revs[lo - 1];
  }

  /** The key's value as a read at `rev` sees it; undefined if it did not exist then. */
  visible(rev: number): RevisionRecord | undefined {
    if (this.latestRev <= rev) return this.latestTombstone ? undefined : this.list[this.list.length - 1];
    const r = this.at(rev);
    return r === undefined || r.tombstone ? undefined : r;
  }

  /** The key as it is now, if it exists. */
  live(): RevisionRecord | undefined {
    return this.latestTombstone ? undefined : this.list[this.list.length - 1];
  }

  /**
   * Drops what a compaction at `rev` makes unreachable, as etcd's
   * keyIndex.compact does: the newest record at or before `rev` survives if it
   * is a put, and goes too if it is a tombstone. True when nothing is left.
   */
  compact(rev: number): boolean {
    const revs = this.list;
    let i = -1;
    while (i + 1 < revs.length && revs[i + 1]!.kv.modRevision <= rev) i++;
    if (i >= 0) revs.splice(0, revs[i]!.tombstone ? i + 1 : i);
    this.noteLatest();
    return revs.length === 0;
  }

  /** Whether `record` survives a compaction at `rev` (after compact ran). */
  keeps(record: RevisionRecord): boolean {
    return this.list[0] === record;
  }

  private noteLatest(): void {
    const last = this.list[this.list.length - 1];
    // An empty history reads as "deleted long ago".
    this.latestRev = last === undefined ? 0 : last.kv.modRevision;
    this.latestTombstone = last === undefined || last.tombstone;
  }
}
