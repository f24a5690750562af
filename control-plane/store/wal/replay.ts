// Folds the records read from a snapshot point onwards into the state a
// member restarts with: metadata, the latest hard state, and the log after
// the snapshot. A later record for an index replaces the earlier one and
// drops everything after it, since that is what a new leader's overwrite of
// a suffix meant when it was written.
import { emptyHardState, type Entry, type HardState } from "../../raft/index.ts";
import { WalCorruptError, WalError } from "./errors.ts";
import { RecordType } from "./frame.ts";
import type { SnapshotPoint, WalRecord } from "./records.ts";

export class Replay {
  metadata: Uint8Array | undefined;
  hardState: HardState = { ...emptyHardState };
  readonly entries: Entry[] = [];
  /** The last snapshot marker read; copied into the header of the next segment. */
  lastSnapshot: SnapshotPoint | undefined;
  private matched = false;

  constructor(private readonly from: SnapshotPoint) {}

  /** The index just before the next entry: the last entry's, or the snapshot's when no entry follows it. */
  get lastIndex(): number {
    return this.entries.at(-1)?.index ?? this.from.index;
  }

  readonly apply = (r: WalRecord, file: string, offset: number): void => {
    switch (r.type) {
      case RecordType.SegmentHeader:
        return;
      case RecordType.Metadata:
        if (this.metadata === undefined) this.metadata = r.metadata;
        else if (!Buffer.from(this.metadata).equals(r.metadata)) {
          throw new WalCorruptError(file, offset, "metadata differs from the earlier segments'");
        }
        return;
      case RecordType.HardState:
        this.hardState = r.hardState;
        return;
      case RecordType.SnapshotMarker:
        this.lastSnapshot = r.snapshot;
        if (r.snapshot.index === this.from.index) {
          if (r.snapshot.term !== this.from.term) {
            throw new WalError(
              "snapshot-mismatch",
              `${file} at offset ${offset} records the snapshot at index ${r.snapshot.index} with term ${r.snapshot.term}, not ${this.from.term}`,
            );
          }
          this.matched = true;
        }
        return;
      case RecordType.Entry:
        return this.applyEntry(r.entry, file, offset);
    }
  };

  private applyEntry(e: Entry, file: string, offset: number): void {
    if (e.index <= this.from.index) {
      // Covered by the snapshot; as an overwrite it still drops any later entries read so far.
      this.entries.length = 0;
      return;
    }
    const position = e.index - this.from.index - 1;
    if (position > this.entries.length) {
      throw new WalCorruptError(file, offset, `entry ${e.index} leaves a gap after index ${this.lastIndex}`);
    }
    this.entries.length = position;
    this.entries.push(e);
  }

  /** Throws unless the snapshot point was found; metadata is required as every segment carries it. */
  finish(firstFile: string): { metadata: Uint8Array; lastSnapshot: SnapshotPoint } {
    if (!this.matched || this.lastSnapshot === undefined) {
      throw new WalError("snapshot-not-found", `no marker for the snapshot at index ${this.from.index}, term ${this.from.term} in the WAL`);
    }
    if (this.metadata === undefined) throw new WalCorruptError(firstFile, 0, "no metadata record");
    return { metadata: this.metadata, lastSnapshot: this.lastSnapshot };
  }
}
