// How one record sits on disk. Every record is framed as
//
//   offset 0   u32 LE  CRC-32 (IEEE, zlib's) of bytes [4, 12 + length)
//   offset 4   u32 LE  payload length in bytes
//   offset 8   u8      record type (RecordType)
//   offset 9   3 bytes reserved, zero
//   offset 12  payload
//
// The CRC covers length and type as well as the payload, so a flipped length
// bit is caught as a CRC failure instead of silently re-framing the rest of
// the file. Unlike etcd's WAL the CRC is per record, not chained across the
// file: segments can then be read, cut and released independently.
import { crc32 } from "node:zlib";

export enum RecordType {
  /** First record of every segment: format magic, version, sequence and first index. */
  SegmentHeader = 1,
  /** Opaque bytes the member stores once (member and cluster ids); repeated in every segment. */
  Metadata = 2,
  Entry = 3,
  HardState = 4,
  /** A snapshot at (index, term) exists; open() starts from one of these. */
  SnapshotMarker = 5,
}

export const FRAME_HEADER_BYTES = 12;

export type FrameResult =
  | { ok: true; type: RecordType; payload: Buffer; end: number }
  | { ok: false; kind: "incomplete" | "crc" | "malformed"; reason: string };

/** Frames one record into `buf` at `offset`; the payload must already sit at offset + 12. Returns the end offset. */
export function sealFrame(buf: Buffer, offset: number, type: RecordType, payloadLength: number): number {
  const end = offset + FRAME_HEADER_BYTES + payloadLength;
  buf.writeUInt32LE(payloadLength, offset + 4);
  buf.writeUInt32LE(type, offset + 8); // type byte plus three zero reserved bytes
  buf.writeUInt32LE(crc32(buf.subarray(offset + 4, end)), offset);
  return end;
}

function isKnownType(t: number): t is RecordType {
  return t >= RecordType.SegmentHeader && t <= RecordType.SnapshotMarker;
}

/** Reads the frame at `offset`. Only frame-level damage is reported here; payloads are checked by their decoders. */
export function readFrame(buf: Buffer, offset: number): FrameResult {
  const remaining = buf.length - offset;
  if (remaining < FRAME_HEADER_BYTES) {
    return { ok: false, kind: "incomplete", reason: `record header cut short (${remaining} of ${FRAME_HEADER_BYTES} bytes)` };
  }
  const length = buf.readUInt32LE(offset + 4);
  const end = offset + FRAME_HEADER_BYTES + length;
  if (end > buf.length) {
    return { ok: false, kind: "incomplete", reason: `record of ${length} payload bytes runs past the end of the file` };
  }
  const stored = buf.readUInt32LE(offset);
  const actual = crc32(buf.subarray(offset + 4, end));
  if (stored !== actual) {
    return { ok: false, kind: "crc", reason: `CRC mismatch (stored ${hex(stored)}, computed ${hex(actual)})` };
  }
  const type = buf[offset + 8] ?? 0;
  if (!isKnownType(type) || buf.readUIntLE(offset + 9, 3) !== 0) {
    // The CRC matched, so this was written on purpose by a format we do not know.
    return { ok: false, kind: "malformed", reason: `unknown record type ${type}` };
  }
  return { ok: true, type, payload: buf.subarray(offset + FRAME_HEADER_BYTES, end), end };
}

/**
 * The first offset after `offset` where a whole, CRC-valid record starts, if
 * any. This is what tells a torn tail (nothing valid follows the damage) from
 * corruption in the middle (acknowledged records follow it). Cheap filters
 * (known type, zero reserved bytes, length that fits) run before the CRC, so
 * zero fill and random garbage are scanned at memory speed.
 */
export function findFrameAfter(buf: Buffer, offset: number): number | undefined {
  for (let p = offset + 1; p + FRAME_HEADER_BYTES <= buf.length; p++) {
    if (!isKnownType(buf[p + 8] ?? 0) || buf[p + 9] !== 0 || buf[p + 10] !== 0 || buf[p + 11] !== 0) continue;
    if (buf.readUInt32LE(p + 4) > buf.length - p - FRAME_HEADER_BYTES) continue;
    if (readFrame(buf, p).ok) return p;
  }
  return undefined;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, "0")}`;
}
