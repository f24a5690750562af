// The bytes of one snapshot file (integers LE; u64 ones must be safe integers):
//
//   offset 0   "SKIFFSNP"
//   offset 8   u32 format version (1)
//   offset 12  u32 CRC-32 of every byte from offset 16 to the end
//   offset 16  u64 term, u64 index
//              u32 voter count, u64 per voter; u32 learner count, u64 per learner
//              u64 data length, data
import { crc32 } from "node:zlib";
import type { Snapshot } from "../../raft/index.ts";
import { MalformedRecordError } from "../wal/errors.ts";
import { readU64, writeU64 } from "../wal/uint64.ts";

const MAGIC = "SKIFFSNP";
const VERSION = 1;
const BODY_START = 16;

/** Why a snapshot file cannot be used; SnapshotFiles skips such files. */
export class SnapshotCorruptError extends Error {
  override name = "SnapshotCorruptError";
}

/**
 * The file as two parts, header and data, so a large snapshot is written
 * without first copying its data into one buffer; the CRC runs over both.
 */
export function snapshotFileParts(s: Snapshot): [Buffer, Uint8Array] {
  const { voters, learners } = s.metadata.confState;
  const size = BODY_START + 16 + 4 + 8 * voters.length + 4 + 8 * learners.length + 8;
  const buf = Buffer.alloc(size);
  buf.write(MAGIC, 0, "latin1");
  buf.writeUInt32LE(VERSION, 8);
  let at = BODY_START;
  writeU64(buf, s.metadata.term, at);
  writeU64(buf, s.metadata.index, at + 8);
  at += 16;
  for (const ids of [voters, learners]) {
    buf.writeUInt32LE(ids.length, at);
    at += 4;
    for (const id of ids) {
      writeU64(buf, id, at);
      at += 8;
    }
  }
  writeU64(buf, s.data.byteLength, at);
  buf.writeUInt32LE(crc32(s.data, crc32(buf.subarray(BODY_START))), 12);
  return [buf, s.data];
}

export function encodeSnapshot(s: Snapshot): Buffer {
  return Buffer.concat(snapshotFileParts(s));
}

export function decodeSnapshot(buf: Buffer): Snapshot {
  if (buf.length < BODY_START || buf.toString("latin1", 0, 8) !== MAGIC) throw new SnapshotCorruptError("not a skiff snapshot file");
  const version = buf.readUInt32LE(8);
  if (version !== VERSION) throw new SnapshotCorruptError(`unsupported snapshot format version ${version}`);
  const stored = buf.readUInt32LE(12);
  const actual = crc32(buf.subarray(BODY_START));
  if (stored !== actual) throw new SnapshotCorruptError(`CRC mismatch (stored ${stored}, computed ${actual})`);
  try {
    let at = BODY_START;
    const term = readU64(buf, at);
    const index = readU64(buf, at + 8);
    at += 16;
    const readIds = (): number[] => {
      const count = readU32(buf, at);
      at += 4;
      const ids: number[] = [];
      for (let i = 0; i < count; i++, at += 8) ids.push(readU64(buf, at));
      return ids;
    };
    const voters = readIds();
    const learners = readIds();
    const length = readU64(buf, at);
    if (at + 8 + length !== buf.length) throw new SnapshotCorruptError(`data length ${length} does not match the file size`);
    const data = new Uint8Array(buf.subarray(at + 8));
    return { data, metadata: { term, index, confState: { voters, learners } } };
  } catch (err) {
    if (err instanceof MalformedRecordError) throw new SnapshotCorruptError(err.message);
    throw err;
  }
}

function readU32(buf: Buffer, at: number): number {
  if (at + 4 > buf.length) throw new SnapshotCorruptError(`u32 at ${at} runs past the end`);
  return buf.readUInt32LE(at);
}
