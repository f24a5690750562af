// Fixed-width little-endian integers for the on-disk formats. Raft indexes,
// terms and member ids are JavaScript numbers, so a value is accepted only if
// it is a safe integer: a larger one on disk means damage, not data.
import { MalformedRecordError } from "./errors.ts";

const TWO_32 = 2 ** 32;
const MAX_SAFE_HIGH = 0x1f_ffff; // Number.MAX_SAFE_INTEGER = 2^53 - 1

export function writeU64(buf: Buffer, value: number, offset: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`not a non-negative safe integer: ${value}`);
  buf.writeUInt32LE(value >>> 0, offset);
  buf.writeUInt32LE(Math.floor(value / TWO_32), offset + 4);
}

export function readU64(buf: Buffer, offset: number): number {
  if (offset + 8 > buf.length) throw new MalformedRecordError(`u64 at ${offset} runs past the end`);
  const high = buf.readUInt32LE(offset + 4);
  if (high > MAX_SAFE_HIGH) throw new MalformedRecordError(`u64 at ${offset} exceeds 2^53`);
  return high * TWO_32 + buf.readUInt32LE(offset);
}
