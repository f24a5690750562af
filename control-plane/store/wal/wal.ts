// The write-ahead log of a store member, after etcd's server/storage/wal.
//
//   Wal.create(dir, metadata, opts?)  new WAL in an empty or missing directory
//   Wal.open(dir, {index, term}, opts?) -> WalContents
//                                     replays everything after a snapshot point; a torn
//                                     tail is cut (reported in repairedTail and logged),
//                                     other damage throws WalCorruptError(file, offset)
//   wal.save(entries, hardState?, {sync?})
//                                     resolves once durable; concurrent saves share one
//                                     fsync (group commit). Entries may overwrite a suffix:
//                                     on replay the later record for an index wins and
//                                     drops everything after it. sync: false (Raft's
//                                     Ready.mustSync false: no entries, term and vote
//                                     unchanged) writes without an fsync of its own; it
//                                     resolves once written and is durable with the next
//                                     synced save.
//   wal.saveSnapshotMarker(index, term) records that a snapshot exists, so open() can
//                                     start from it
//   wal.releaseTo(index)              removes segments that only hold entries before index
//   wal.close()                       waits for pending saves, then closes
//   wal.fsyncs                        fsyncs issued so far (files and directories)
//   Wal.readSnapshotMarkers(dir)      snapshot points open() can start from (<= commit)
//
// Order of operations when snapshotting (as etcd): write the snapshot file
// (SnapshotFiles.save), then saveSnapshotMarker, then releaseTo(index). On
// start, load the newest snapshot file whose point readSnapshotMarkers lists
// and open the WAL from it.
//
// Layout: `%016x-%016x.wal` segments (sequence, first index), rotated after
// segmentBytes, optionally zero-filled ahead of the records (preallocateBytes). Each begins with a header record, the metadata, the latest
// hard state and the latest snapshot marker, so older segments can be removed
// without losing them. Record framing and CRC: frame.ts; payloads: records.ts.
// One process at a time: there is no file lock (Node has no flock).
//
// Damage (segment-reader.ts): an incomplete or CRC-failing record in the last
// segment with no valid record after it is a torn write and is cut; anything
// else refuses to start. Two limits follow, as in etcd: bit rot in the very
// last record looks torn and is cut, and a torn batch whose later pages did
// reach the disk (valid records after the tear) is refused rather than cut.
import { mkdir, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { emptyHardState, type Entry, type HardState } from "../../raft/index.ts";
import { fsyncDir } from "./durable-fs.ts";
import { WalError } from "./errors.ts";
import { RecordType } from "./frame.ts";
import { GroupCommit } from "./group-commit.ts";
import { DEFAULT_SEGMENT_BYTES, stderrLogger, type WalLogger, type WalOptions } from "./options.ts";
import { encodeRecords, type SnapshotPoint, type WalRecord } from "./records.ts";
import { listSegments, startSegment, type SegmentInfo } from "./segment-files.ts";
import { type Preallocation, SegmentWriter, type SyncCounter } from "./segment-writer.ts";
import { readSnapshotMarkers, recoverWal, type RepairedTail } from "./wal-read.ts";

export interface WalContents {
  wal: Wal;
  metadata: Uint8Array;
  hardState: HardState;
  /** The log after the snapshot point, contiguous from index + 1. */
  entries: Entry[];
  repairedTail?: RepairedTail;
}

/** One save() or saveSnapshotMarker() call, encoded when it was made. */
interface PendingWrite {
  bytes: Buffer;
  /** Whether this write needs an fsync before it resolves. */
  sync: boolean;
  lastEntryIndex?: number;
  hardState?: HardState;
  snapshot?: SnapshotPoint;
}

export interface SaveOptions {
  /** false: write without an fsync of its own (default true). */
  sync?: boolean;
}

/**
 * What has been written so far; a new segment's header repeats it. Writes
 * without an fsync only ever change the commit index, which may be behind
 * after a crash without harm.
 */
interface DurableState {
  lastIndex: number;
  hardState: HardState;
  snapshot: SnapshotPoint;
}

export class Wal {
  private readonly commits = new GroupCommit<PendingWrite>((items) => this.flush(items));
  private closed = false;

  private constructor(
    private readonly dir: string,
    private readonly metadata: Uint8Array,
    private readonly segments: SegmentInfo[],
    private writer: SegmentWriter,
    private readonly state: DurableState,
    private readonly counter: SyncCounter,
    private readonly segmentBytes: number,
    private readonly prealloc: Preallocation,
    private readonly log: WalLogger,
    private readonly onFsync: (seconds: number) => void = () => {},
  ) {}

  /** Creates a new WAL in an empty (or missing) directory, recording opaque metadata (member/cluster ids). */
  static async create(dir: string, metadata: Uint8Array, opts: WalOptions = {}): Promise<Wal> {
    await mkdir(dir, { recursive: true });
    if ((await listSegments(dir)).length > 0) throw new WalError("exists", `a WAL already exists in ${dir}`);
    const state: DurableState = { lastIndex: 0, hardState: { ...emptyHardState }, snapshot: { index: 0, term: 0 } };
    const counter: SyncCounter = { fsyncs: 0 };
    const prealloc = preallocationOf(opts);
    const writer = await SegmentWriter.create(dir, 0, 0, segmentPreamble(0, 0, metadata, state), counter, prealloc);
    await fsyncDir(dirname(dir)); // the directory itself may be new
    counter.fsyncs++;
    return new Wal(dir, metadata, [writer.segment], writer, state, counter, segmentBytesOf(opts), prealloc, opts.logger ?? stderrLogger, opts.onFsync);
  }

  /** Opens an existing WAL and reads everything after the given snapshot point ({0, 0} for a WAL without snapshots). */
  static async open(dir: string, from: SnapshotPoint, opts: WalOptions = {}): Promise<WalContents> {
    const log = opts.logger ?? stderrLogger;
    const r = await recoverWal(dir, from, log);
    const counter: SyncCounter = { fsyncs: 0 };
    const prealloc = preallocationOf(opts);
    const writer = await SegmentWriter.reopen(r.segments.at(-1)!, r.tailSize, counter, prealloc);
    const state: DurableState = { lastIndex: r.lastIndex, hardState: r.hardState, snapshot: r.lastSnapshot };
    const wal = new Wal(dir, r.metadata, r.segments, writer, state, counter, segmentBytesOf(opts), prealloc, log, opts.onFsync);
    const contents: WalContents = { wal, metadata: r.metadata, hardState: { ...r.hardState }, entries: r.entries };
    if (r.repairedTail) contents.repairedTail = r.repairedTail;
    return contents;
  }

  /** Snapshot points recorded in the WAL at or below its last commit index: the ones a member may start from. */
  static readSnapshotMarkers(dir: string): Promise<SnapshotPoint[]> {
    return readSnapshotMarkers(dir);
  }

  /** fsyncs issued so far, of segment files and of the directory. */
  get fsyncs(): number {
    return this.counter.fsyncs;
  }

  /** Paths of the segment files, oldest first. */
  get segmentFiles(): string[] {
    return this.segments.map((s) => s.path);
  }

  /**
   * Appends entries and/or a hard state; resolves once they are durable (fsync'd). Calls made
   * while an fsync is in flight are written together and share the next fsync (group commit).
   * Entries are encoded when save() is called, so later changes to them are not seen.
   */
  save(entries: readonly Entry[], hardState?: HardState, opts: SaveOptions = {}): Promise<void> {
    const records: WalRecord[] = entries.map((entry) => ({ type: RecordType.Entry, entry }));
    const write: Omit<PendingWrite, "bytes"> = { sync: opts.sync ?? true };
    const last = entries.at(-1);
    if (last) write.lastEntryIndex = last.index;
    if (hardState) {
      write.hardState = { ...hardState };
      records.push({ type: RecordType.HardState, hardState: write.hardState });
    }
    return this.submit(records, write);
  }

  /** Records that a snapshot at (index, term) exists, so open() can start from it. Write the snapshot file first. */
  saveSnapshotMarker(index: number, term: number): Promise<void> {
    const snapshot = { index, term };
    return this.submit([{ type: RecordType.SnapshotMarker, snapshot }], { snapshot, sync: true });
  }

  /**
   * Removes segment files whose live entries all precede `index` (call it after a snapshot at
   * `index` is recorded). Keeps the segment open() would start from for a snapshot at `index`
   * and every later one; never removes the active segment.
   */
  async releaseTo(index: number): Promise<void> {
    const keepFrom = startSegment(this.segments, index);
    if (keepFrom <= 0) return;
    // Taken out of the list synchronously, so a segment cut meanwhile is never touched.
    const released = this.segments.splice(0, keepFrom);
    for (const s of released) await unlink(s.path);
    await fsyncDir(this.dir);
    this.counter.fsyncs++;
    this.log({ event: "wal-segments-released", dir: this.dir, upToIndex: index, files: released.map((s) => s.path) });
  }

  /** Waits for pending saves, then closes the active segment. Later saves reject with WalError("closed"). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.commits.idle();
    await this.writer.close();
  }

  private submit(records: WalRecord[], write: Omit<PendingWrite, "bytes">): Promise<void> {
    if (this.closed) return Promise.reject(new WalError("closed", `WAL in ${this.dir} is closed`));
    let bytes: Buffer;
    try {
      bytes = encodeRecords(records);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.commits.submit({ ...write, bytes });
  }

  /** One group commit: a single write and a single fsync for every pending call. */
  private async flush(items: PendingWrite[]): Promise<void> {
    if (this.writer.size >= this.segmentBytes) await this.cut();
    const bytes = items.length === 1 ? items[0]!.bytes : Buffer.concat(items.map((i) => i.bytes));
    // Empty saves (barriers) need no fsync: every earlier synced batch was durable before this one started.
    if (bytes.length > 0) {
      await this.writer.append(bytes);
      if (items.some((i) => i.sync)) {
        const started = performance.now();
        await this.writer.sync();
        this.onFsync((performance.now() - started) / 1000);
      }
    }
    for (const i of items) {
      // An overwrite can lower the last index: a new leader's shorter log.
      if (i.lastEntryIndex !== undefined) this.state.lastIndex = i.lastEntryIndex;
      if (i.hardState) this.state.hardState = i.hardState;
      if (i.snapshot) {
        this.state.snapshot = i.snapshot;
        // A snapshot received from the leader can be ahead of every entry here.
        this.state.lastIndex = Math.max(this.state.lastIndex, i.snapshot.index);
      }
    }
  }

  /** Starts the next segment. Runs inside flush, so only durable state goes into its header. */
  private async cut(): Promise<void> {
    const seq = this.writer.segment.seq + 1;
    const firstIndex = this.state.lastIndex + 1;
    const preamble = segmentPreamble(seq, firstIndex, this.metadata, this.state);
    const next = await SegmentWriter.create(this.dir, seq, firstIndex, preamble, this.counter, this.prealloc);
    await this.writer.close();
    this.writer = next;
    this.segments.push(next.segment);
    this.log({ event: "wal-segment-cut", file: next.segment.path });
  }
}

function segmentPreamble(seq: number, firstIndex: number, metadata: Uint8Array, state: DurableState): Buffer {
  return encodeRecords([
    { type: RecordType.SegmentHeader, header: { seq, firstIndex } },
    { type: RecordType.Metadata, metadata },
    { type: RecordType.HardState, hardState: state.hardState },
    { type: RecordType.SnapshotMarker, snapshot: state.snapshot },
  ]);
}

function preallocationOf(opts: WalOptions): Preallocation {
  const chunkBytes = opts.preallocateBytes ?? 0;
  if (!Number.isInteger(chunkBytes) || chunkBytes < 0) throw new RangeError(`preallocateBytes must be a non-negative integer, got ${chunkBytes}`);
  return { chunkBytes, limitBytes: segmentBytesOf(opts) };
}

function segmentBytesOf(opts: WalOptions): number {
  const n = opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`segmentBytes must be a positive integer, got ${n}`);
  return n;
}
