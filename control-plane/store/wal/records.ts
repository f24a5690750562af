// The typed records of the WAL and their payload layouts (all integers u64 LE):
//
//   SegmentHeader   "SKIFFWAL" u32 version, seq, firstIndex
//   Metadata        opaque bytes
//   Entry           term, index, u8 type, data (the rest)
//   HardState       term, vote, commit
//   SnapshotMarker  index, term
import type { Entry, EntryType, HardState } from "../../raft/index.ts";
import { MalformedRecordError } from "./errors.ts";
import { FRAME_HEADER_BYTES, RecordType, sealFrame } from "./frame.ts";
import { readU64, writeU64 } from "./uint64.ts";

export const FORMAT_MAGIC = "SKIFFWAL";
export const FORMAT_VERSION = 1;

export interface SnapshotPoint {
  index: number;
  term: number;
}

export interface SegmentHeader {
  seq: number;
  firstIndex: number;
}

export type WalRecord =
  | { type: RecordType.SegmentHeader; header: SegmentHeader }
  | { type: RecordType.Metadata; metadata: Uint8Array }
  | { type: RecordType.Entry; entry: Entry }
  | { type: RecordType.HardState; hardState: HardState }
  | { type: RecordType.SnapshotMarker; snapshot: SnapshotPoint };

const ENTRY_FIXED_BYTES = 17;

function payloadSize(r: WalRecord): number {
  switch (r.type) {
    case RecordType.SegmentHeader:
      return FORMAT_MAGIC.length + 4 + 16;
    case RecordType.Metadata:
      return r.metadata.byteLength;
    case RecordType.Entry:
      return ENTRY_FIXED_BYTES + r.entry.data.byteLength;
    case RecordType.HardState:
      return 24;
    case RecordType.SnapshotMarker:
      return 16;
  }
}

function writePayload(buf: Buffer, at: number, r: WalRecord): void {
  switch (r.type) {
    case RecordType.SegmentHeader:
      buf.write(FORMAT_MAGIC, at, "latin1");
      buf.writeUInt32LE(FORMAT_VERSION, at + 8);
      writeU64(buf, r.header.seq, at + 12);
      writeU64(buf, r.header.firstIndex, at + 20);
      return;
    case RecordType.Metadata:
      buf.set(r.metadata, at);
      return;
    case RecordType.Entry:
      writeU64(buf, r.entry.term, at);
      writeU64(buf, r.entry.index, at + 8);
      buf[at + 16] = r.entry.type;
      buf.set(r.entry.data, at + ENTRY_FIXED_BYTES);
      return;
    case RecordType.HardState:
      writeU64(buf, r.hardState.term, at);
      writeU64(buf, r.hardState.vote, at + 8);
      writeU64(buf, r.hardState.commit, at + 16);
      return;
    case RecordType.SnapshotMarker:
      writeU64(buf, r.snapshot.index, at);
      writeU64(buf, r.snapshot.term, at + 8);
      return;
  }
}

/** Encodes records into one buffer, ready to be written with a single write(). Throws RangeError on values that do not fit. */
export function encodeRecords(records: readonly WalRecord[]): Buffer {
  let total = 0;
  for (const r of records) total += FRAME_HEADER_BYTES + payloadSize(r);
  const buf = Buffer.allocUnsafe(total);
  let at = 0;
  for (const r of records) {
    writePayload(buf, at + FRAME_HEADER_BYTES, r);
    at = sealFrame(buf, at, r.type, payloadSize(r));
  }
  return buf;
}

function expectLength(payload: Buffer, n: number, what: string): void {
  if (payload.length !== n) throw new MalformedRecordError(`${what} payload is ${payload.length} bytes, expected ${n}`);
}

/** Decodes a CRC-checked payload. Byte arrays are copied so they do not pin the segment's buffer. */
export function decodeRecord(type: RecordType, payload: Buffer): WalRecord {
  switch (type) {
    case RecordType.SegmentHeader: {
      expectLength(payload, 28, "segment header");
      if (payload.toString("latin1", 0, 8) !== FORMAT_MAGIC) throw new MalformedRecordError("not a skiff WAL segment (bad magic)");
      const version = payload.readUInt32LE(8);
      if (version !== FORMAT_VERSION) throw new MalformedRecordError(`unsupported WAL format version ${version}`);
      return { type, header: { seq: readU64(payload, 12), firstIndex: readU64(payload, 20) } };
    }
    case RecordType.Metadata:
      return { type, metadata: new Uint8Array(payload) };
    case RecordType.Entry: {
      if (payload.length < ENTRY_FIXED_BYTES) throw new MalformedRecordError(`entry payload is ${payload.length} bytes`);
      const entryType = payload[16] ?? 0;
      if (entryType > 1) throw new MalformedRecordError(`unknown entry type ${entryType}`);
      return {
        type,
        entry: {
          term: readU64(payload, 0),
          index: readU64(payload, 8),
          type: entryType as EntryType,
          data: new Uint8Array(payload.subarray(ENTRY_FIXED_BYTES)),
        },
      };
    }
    case RecordType.HardState:
      expectLength(payload, 24, "hard state");
      return { type, hardState: { term: readU64(payload, 0), vote: readU64(payload, 8), commit: readU64(payload, 16) } };
    case RecordType.SnapshotMarker:
      expectLength(payload, 16, "snapshot marker");
      return { type, snapshot: { index: readU64(payload, 0), term: readU64(payload, 8) } };
  }
}
