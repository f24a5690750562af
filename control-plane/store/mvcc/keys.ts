// Keys inside the store are latin1 strings: one char per byte, so JavaScript's
// string order is etcd's byte order and Maps can hold them. Bytes cross the API.
import { Buffer } from "node:buffer";

export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);

export function keyString(bytes: Uint8Array): string {
  if (bytes.length <= 256) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}

export function keyBytes(key: string): Uint8Array {
  const out = new Uint8Array(key.length);
  for (let i = 0; i < key.length; i++) out[i] = key.charCodeAt(i);
  return out;
}

/**
 * A private copy: callers (and protobuf decoders, whose byte fields are often
 * views into a whole message buffer) may reuse the memory they handed in.
 */
export function ownedBytes(bytes: Uint8Array | undefined): Uint8Array {
  return bytes === undefined || bytes.length === 0 ? EMPTY_BYTES : new Uint8Array(bytes);
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

/**
 * A key range in etcd's convention: `end` undefined is the single key `start`,
 * null is every key >= start, a string is [start, end).
 */
export interface KeySpan {
  readonly start: string;
  readonly end: string | null | undefined;
}

export function spanOf(key: Uint8Array, rangeEnd: Uint8Array | undefined): KeySpan {
  const start = keyString(key);
  if (rangeEnd === undefined || rangeEnd.length === 0) return { start, end: undefined };
  // etcd's mkGteRange: a lone "\0" means "to the end of the keyspace".
  if (rangeEnd.length === 1 && rangeEnd[0] === 0) return { start, end: null };
  return { start, end: keyString(rangeEnd) };
}

export function spanContains(span: KeySpan, key: string): boolean {
  if (span.end === undefined) return key === span.start;
  return key >= span.start && (span.end === null || key < span.end);
}
