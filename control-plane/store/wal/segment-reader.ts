// Walks the records of one segment file and decides what damage means. In the
// last segment, damage with no valid record after it is a torn tail: the
// write that was under way when the member died, never acknowledged because
// its fsync never returned. Anything else (damage in an older segment, or
// valid records after the damage) would mean losing acknowledged data, so it
// is reported as corruption with the file and byte offset. A segment may end
// in zeros: space preallocated so that an fsync need not also write the
// file's new size (segment-writer.ts); the records end where the zeros begin.
import { MalformedRecordError, WalCorruptError } from "./errors.ts";
import { findFrameAfter, readFrame, RecordType } from "./frame.ts";
import { decodeRecord, type WalRecord } from "./records.ts";
import type { SegmentInfo } from "./segment-files.ts";

export interface TornTail {
  offset: number;
  reason: string;
}

export type RecordVisitor = (record: WalRecord, file: string, offset: number) => void;

export interface SegmentRead {
  /** Where the records end: the next append goes here (after any cut). */
  end: number;
  torn?: TornTail;
}

/**
 * Visits every valid record of `buf` in order; returns where the records end
 * and where the torn tail starts, if there is one. Zeros from there to the
 * end of the file are preallocated space, not damage.
 */
export function readSegment(buf: Buffer, segment: SegmentInfo, isLast: boolean, visit: RecordVisitor): SegmentRead {
  const file = segment.path;
  if (buf.length === 0) throw new WalCorruptError(file, 0, "segment is empty (its header is missing)");
  let offset = 0;
  while (offset < buf.length) {
    const frame = readFrame(buf, offset);
    if (!frame.ok) {
      if (offset > 0 && isZeroFrom(buf, offset)) return { end: offset };
      if (frame.kind === "malformed" || !isLast) throw new WalCorruptError(file, offset, frame.reason);
      const next = findFrameAfter(buf, offset);
      if (next !== undefined) throw new WalCorruptError(file, offset, `${frame.reason}; a valid record follows at offset ${next}`);
      // A segment is renamed into place only after its header is fsync'd, so damage there is never a torn write.
      if (offset === 0) throw new WalCorruptError(file, 0, `segment header unreadable: ${frame.reason}`);
      return { end: offset, torn: { offset, reason: frame.reason } };
    }
    let record: WalRecord;
    try {
      record = decodeRecord(frame.type, frame.payload);
    } catch (err) {
      if (err instanceof MalformedRecordError) throw new WalCorruptError(file, offset, err.message);
      throw err;
    }
    checkHeaderPlacement(record, segment, offset);
    visit(record, file, offset);
    offset = frame.end;
  }
  return { end: offset };
}

const zeros = Buffer.alloc(64 * 1024);

/** Whether every byte from `offset` to the end of `buf` is zero. */
export function isZeroFrom(buf: Buffer, offset: number): boolean {
  for (let at = offset; at < buf.length; at += zeros.length) {
    const n = Math.min(zeros.length, buf.length - at);
    if (buf.compare(zeros, 0, n, at, at + n) !== 0) return false;
  }
  return true;
}

function checkHeaderPlacement(record: WalRecord, segment: SegmentInfo, offset: number): void {
  const isHeader = record.type === RecordType.SegmentHeader;
  if (offset === 0 && !isHeader) throw new WalCorruptError(segment.path, 0, "segment does not start with a segment header");
  if (offset !== 0 && isHeader) throw new WalCorruptError(segment.path, offset, "segment header in the middle of a segment");
  if (isHeader && (record.header.seq !== segment.seq || record.header.firstIndex !== segment.firstIndex)) {
    throw new WalCorruptError(
      segment.path,
      0,
      `segment header says sequence ${record.header.seq}, first index ${record.header.firstIndex}; the file name disagrees`,
    );
  }
}
