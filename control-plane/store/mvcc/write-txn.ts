// One write transaction, as etcd's storeTxnWrite: every change it makes gets
// main revision beginRev + 1 and sub revision = its position. Changes go into
// the key index at once, so later reads of the same transaction see them; an
// undo list takes them out again if the transaction fails half way.
import type { KeyIndex } from "./key-index.ts";
import { KeyHistory, type RevisionRecord } from "./key-history.ts";
import { EMPTY_BYTES, type KeySpan, ownedBytes } from "./keys.ts";
import type { LeaseTable } from "./lease-table.ts";
import type { ReadView } from "./range.ts";
import type { KeyValue } from "./types.ts";

export class WriteTxn implements ReadView {
  readonly changes: RevisionRecord[] = [];
  private readonly undo: (() => void)[] = [];

  constructor(
    readonly index: KeyIndex,
    readonly leases: LeaseTable,
    /** The store's revision when the transaction began; it writes beginRev + 1. */
    readonly beginRev: number,
    readonly compactRevision: number,
  ) {}

  /** What reads inside the transaction see: its own revision once it has written. */
  get rev(): number {
    return this.changes.length > 0 ? this.beginRev + 1 : this.beginRev;
  }

  /** The live record of `key` as this transaction sees it. */
  current(key: string): RevisionRecord | undefined {
    return this.index.get(key)?.visible(this.rev);
  }

  /** Writes `key` (whose bytes are `keyBytes`, copied if the key is new); returns the revision of the write. */
  put(key: string, keyBytes: Uint8Array, value: Uint8Array, lease: number): number {
    const rev = this.beginRev + 1;
    let history = this.index.get(key);
    const prev = history?.visible(rev);
    if (history === undefined) {
      history = new KeyHistory(key, ownedBytes(keyBytes));
      this.index.add(history);
      this.undo.push(() => this.index.remove(key));
    }
    const kv: KeyValue = {
      key: history.keyBytes,
      createRevision: prev === undefined ? rev : prev.kv.createRevision,
      modRevision: rev,
      version: prev === undefined ? 1 : prev.kv.version + 1,
      value,
      lease,
    };
    this.record(history, kv, false);
    this.moveLease(key, prev === undefined ? 0 : prev.kv.lease, lease);
    return rev;
  }

  /** Deletes the keys of `span` that exist; returns how many, and the response revision as etcd computes it. */
  deleteRange(span: KeySpan): { deleted: number; revision: number } {
    const rrev = this.rev;
    const victims: { history: KeyHistory; lease: number }[] = [];
    this.index.forEachInSpan(span, (history) => {
      const r = history.visible(rrev);
      if (r !== undefined) victims.push({ history, lease: r.kv.lease });
    });
    const rev = this.beginRev + 1;
    for (const { history, lease } of victims) {
      const kv: KeyValue = { key: history.keyBytes, createRevision: 0, modRevision: rev, version: 0, value: EMPTY_BYTES, lease: 0 };
      this.record(history, kv, true);
      this.moveLease(history.key, lease, 0);
    }
    const wrote = victims.length > 0 || this.changes.length > 0;
    return { deleted: victims.length, revision: wrote ? rev : this.beginRev };
  }

  /** Takes every change back out, newest first. */
  rollback(): void {
    for (let i = this.undo.length - 1; i >= 0; i--) this.undo[i]!();
    this.undo.length = 0;
    this.changes.length = 0;
  }

  private record(history: KeyHistory, kv: KeyValue, tombstone: boolean): void {
    const record: RevisionRecord = { kv, sub: this.changes.length, tombstone, history };
    history.push(record);
    this.changes.push(record);
    this.undo.push(() => history.pop());
  }

  private moveLease(key: string, from: number, to: number): void {
    if (from === to) return;
    if (from !== 0) {
      this.leases.detach(from, key);
      this.undo.push(() => this.leases.attach(from, key));
    }
    if (to !== 0) {
      this.leases.attach(to, key);
      this.undo.push(() => this.leases.detach(to, key));
    }
  }
}
