// The replicated state machine of a store member: an in-memory MVCC key-value
// store with etcd v3's semantics (revisions, versions, compaction, watches).
// Deterministic: no I/O, no clock, no randomness. Every member applies the same
// writes in the same order through applyWrite/compact and ends up identical;
// reads and watches are served from local state.
import { StoreError } from "./errors.ts";
import { hashRecords } from "./hash.ts";
import type { KeyHistory } from "./key-history.ts";
import { KeyIndex } from "./key-index.ts";
import { LeaseTable } from "./lease-table.ts";
import { executeRange, type ReadView } from "./range.ts";
import { RevisionLog } from "./revision-log.ts";
import { decodeSnapshot, encodeSnapshot, SnapshotEncoder, type StoreState } from "./snapshot-codec.ts";
import { deleteOp, putOp, txnOp } from "./txn.ts";
import type {
  CompactionResponse,
  DeleteRangeRequest,
  DeleteRangeResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  TxnRequest,
  TxnResponse,
  WriteRequest,
  WriteResponse,
} from "./types.ts";
import { type SinkErrorHandler, WatchHub, type WatchSource } from "./watch-hub.ts";
import type { Watcher, WatchCompacted, WatchRequest, WatchSink } from "./watch-types.ts";
import { WriteTxn } from "./write-txn.ts";

export interface MvccStoreOptions {
  /** Hears about watch sinks that threw (each is canceled). Default: ignore. */
  onSinkError?: SinkErrorHandler;
}

export interface HashKVResult {
  hash: number;
  /** The revision hashed up to. */
  hashRevision: number;
  compactRevision: number;
}

export class MvccStore {
  private index = new KeyIndex();
  private log = new RevisionLog();
  private leases = new LeaseTable();
  // etcd starts at revision 1: the first write is revision 2.
  private rev = 1;
  // etcd's compactMainRev starts at -1, so even compact(0) succeeds on a new store.
  private compactRev = -1;
  private applied = 0;
  private readonly hub: WatchHub;

  constructor(options: MvccStoreOptions = {}) {
    const source: WatchSource = Object.defineProperties({} as WatchSource, {
      currentRevision: { get: () => this.rev },
      compactRevision: { get: () => this.compactRev },
      log: { get: () => this.log },
    });
    this.hub = new WatchHub(source, options.onSinkError);
  }

  /** A store holding a snapshot's state. Throws StoreError InvalidSnapshot for bad bytes. */
  static restore(bytes: Uint8Array, options: MvccStoreOptions = {}): MvccStore {
    const store = new MvccStore(options);
    store.load(decodeSnapshot(bytes));
    return store;
  }

  get currentRevision(): number {
    return this.rev;
  }

  /** -1 until the first compaction (as etcd reports it). Reads below it fail with Compacted. */
  get compactRevision(): number {
    return this.compactRev;
  }

  /** The last Raft index applied; the host sets it after applying each entry, and snapshots carry it. */
  get appliedIndex(): number {
    return this.applied;
  }

  set appliedIndex(index: number) {
    if (index < this.applied) throw new RangeError(`applied index cannot go back from ${this.applied} to ${index}`);
    this.applied = index;
  }

  /** The replicated lease data, for the Lessor. Replaced wholesale by installSnapshot. */
  get leaseTable(): LeaseTable {
    return this.leases;
  }

  stats(): { keys: number; records: number; leases: number; watchers: number; unsyncedWatchers: number } {
    return { keys: this.index.size, records: this.log.length, leases: this.leases.size, watchers: this.hub.size, unsyncedWatchers: this.hub.unsyncedCount };
  }

  range(req: RangeRequest): RangeResponse {
    return executeRange(this.readView(), req);
  }

  /**
   * The one write path: a put, a delete or a txn as one write transaction,
   * one revision if it changed anything. On error nothing changed.
   */
  applyWrite(req: { put: PutRequest }): { put: PutResponse };
  applyWrite(req: { deleteRange: DeleteRangeRequest }): { deleteRange: DeleteRangeResponse };
  applyWrite(req: { txn: TxnRequest }): { txn: TxnResponse };
  applyWrite(req: WriteRequest): WriteResponse;
  applyWrite(req: WriteRequest): WriteResponse {
    const txn = new WriteTxn(this.index, this.leases, this.rev, this.compactRev);
    let resp: WriteResponse;
    try {
      if ("put" in req) {
        const lease = req.put.lease ?? 0;
        if (lease !== 0 && !this.leases.has(lease)) throw new StoreError("LeaseNotFound");
        resp = { put: putOp(txn, req.put) };
      } else if ("deleteRange" in req) {
        resp = { deleteRange: deleteOp(txn, req.deleteRange) };
      } else {
        resp = { txn: txnOp(txn, req.txn) };
      }
    } catch (err) {
      txn.rollback();
      throw err;
    }
    if (txn.changes.length > 0) {
      this.rev++;
      this.log.append(txn.changes);
      this.hub.notify(this.rev, txn.changes);
    }
    return resp;
  }

  put(req: PutRequest): PutResponse {
    return this.applyWrite({ put: req }).put;
  }

  deleteRange(req: DeleteRangeRequest): DeleteRangeResponse {
    return this.applyWrite({ deleteRange: req }).deleteRange;
  }

  txn(req: TxnRequest): TxnResponse {
    return this.applyWrite({ txn: req }).txn;
  }

  /**
   * Forgets history before `revision`: reads below it fail, the newest version
   * of each key at it stays (a key deleted by then goes entirely), and
   * watchers that still needed the history are canceled.
   */
  compact(revision: number): CompactionResponse {
    if (revision <= this.compactRev) throw new StoreError("Compacted");
    if (revision > this.rev) throw new StoreError("FutureRevision");
    const touched = new Set<KeyHistory>();
    for (const r of this.log.through(revision)) touched.add(r.history);
    for (const h of touched) if (h.compact(revision)) this.index.remove(h.key);
    this.log.thinThrough(revision, (r) => r.history.keeps(r));
    this.compactRev = revision;
    this.hub.compacted(revision);
    return { header: { revision: this.rev } };
  }

  /**
   * Watches a key or range. With startRevision 0 (or in the future) the
   * watcher is synced and gets each later write as it commits. With an older
   * one it owes history: syncWatchers delivers it, one call per revision, then
   * live events follow. Below the compaction point: `{ compacted: true }`.
   */
  watch(req: WatchRequest, sink: WatchSink): Watcher | WatchCompacted {
    return this.hub.watch(req, sink);
  }

  /** Delivers up to `maxRevisions` revisions of owed history; returns how many watchers still lag. */
  syncWatchers(maxRevisions?: number): number {
    return this.hub.sync(maxRevisions);
  }

  /** The revision a progress notification reports (send it to synced watchers only, as etcd does). */
  progress(): number {
    return this.rev;
  }

  /** Every revision kept, leases, revisions and the applied index, as bytes. */
  snapshot(): Uint8Array {
    return encodeSnapshot(this.state());
  }

  /** The state as of now, to encode a slice at a time while writes go on (see SnapshotEncoder). */
  snapshotEncoder(): SnapshotEncoder {
    return new SnapshotEncoder(this.state());
  }

  /**
   * Replaces the whole state with a snapshot's (a follower installing the
   * leader's). Watchers stay: they catch up from the new history through
   * syncWatchers, or are canceled if it was compacted past them.
   */
  installSnapshot(bytes: Uint8Array): void {
    const state = decodeSnapshot(bytes);
    const previous = this.rev;
    this.load(state);
    this.hub.restored(previous);
  }

  /** A checksum of the contents up to `revision` (0: current), for comparing members. */
  hashKV(revision = 0): HashKVResult {
    if (revision > this.rev) throw new StoreError("FutureRevision");
    if (revision > 0 && revision < this.compactRev) throw new StoreError("Compacted");
    const hashRevision = revision <= 0 ? this.rev : revision;
    return { hash: hashRecords(this.log.through(hashRevision)), hashRevision, compactRevision: this.compactRev };
  }

  private readView(): ReadView {
    return { index: this.index, rev: this.rev, compactRevision: this.compactRev };
  }

  private state(): StoreState {
    return { index: this.index, log: this.log, leases: this.leases, currentRevision: this.rev, compactRevision: this.compactRev, appliedIndex: this.applied };
  }

  private load(s: StoreState): void {
    this.index = s.index;
    this.log = s.log;
    this.leases = s.leases;
    this.rev = s.currentRevision;
    this.compactRev = s.compactRevision;
    this.applied = s.appliedIndex;
  }
}
