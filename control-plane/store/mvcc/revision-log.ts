// Every record the store holds, in revision order (main, then sub): what etcd's
// backend keeps keyed by revision. Watchers catching up read it from their
// start revision; snapshots write it out; compaction thins its head.
import type { RevisionRecord } from "./key-history.ts";

/** Position of the first of `records` (in revision order) whose revision is >= `rev`. */
export function firstIndexFrom(records: readonly RevisionRecord[], rev: number): number {
  let lo = 0;
  let hi = records.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (records[mid]!.kv.modRevision < rev) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class RevisionLog {
  private records: RevisionRecord[] = [];

  get length(): number {
    return this.records.length;
  }

  at(i: number): RevisionRecord | undefined {
    return this.records[i];
  }

  append(records: readonly RevisionRecord[]): void {
    for (const r of records) this.records.push(r);
  }

  /** Position of the first record whose revision is >= `rev` (length if none). */
  firstIndexFrom(rev: number): number {
    return firstIndexFrom(this.records, rev);
  }

  /** Records at or before `rev`, oldest first. */
  *through(rev: number): IterableIterator<RevisionRecord> {
    const end = this.firstIndexFrom(rev + 1);
    for (let i = 0; i < end; i++) yield this.records[i]!;
  }

  /** Keeps, among the records at or before `rev`, only those `keep` accepts. */
  thinThrough(rev: number, keep: (r: RevisionRecord) => boolean): void {
    const end = this.firstIndexFrom(rev + 1);
    const kept: RevisionRecord[] = [];
    for (let i = 0; i < end; i++) {
      const r = this.records[i]!;
      if (keep(r)) kept.push(r);
    }
    for (let i = end; i < this.records.length; i++) kept.push(this.records[i]!);
    this.records = kept;
  }

  all(): readonly RevisionRecord[] {
    return this.records;
  }
}
