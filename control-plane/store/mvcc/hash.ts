// A checksum of the store's contents up to a revision, like etcd's HashKV: two
// members that applied the same log agree on it, so a mismatch is corruption.
// Not bit-compatible with etcd's (that hashes protobuf-encoded rows).
import { crc32 } from "node:zlib";
import type { RevisionRecord } from "./key-history.ts";

/** crc32 over `records` (revisions, key, value, lease), in the order given. */
export function hashRecords(records: Iterable<RevisionRecord>): number {
  const headBytes = new Uint8Array(6 * 8);
  const head = new DataView(headBytes.buffer);
  let crc = 0;
  for (const r of records) {
    const fields = [r.kv.modRevision, r.sub, r.tombstone ? 1 : 0, r.kv.createRevision, r.kv.version, r.kv.lease];
    fields.forEach((n, i) => head.setFloat64(i * 8, n, true));
    crc = crc32(headBytes, crc);
    crc = crc32(r.kv.key, crc);
    crc = crc32(r.kv.value, crc);
  }
  return crc;
}
