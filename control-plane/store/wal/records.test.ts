import assert from "node:assert/strict";
import { test } from "node:test";
import { EntryType } from "../../raft/index.ts";
import { findFrameAfter, readFrame, RecordType } from "./frame.ts";
import { decodeRecord, encodeRecords, type WalRecord } from "./records.ts";

const big = Number.MAX_SAFE_INTEGER;

test("every record type round-trips, including values up to 2^53 - 1", () => {
  const records: WalRecord[] = [
    { type: RecordType.SegmentHeader, header: { seq: 7, firstIndex: big } },
    { type: RecordType.Metadata, metadata: new Uint8Array([]) },
    { type: RecordType.Entry, entry: { term: big, index: 2 ** 40, type: EntryType.ConfChange, data: new Uint8Array([1, 2, 3]) } },
    { type: RecordType.HardState, hardState: { term: 3, vote: 2 ** 52 + 1, commit: 99 } },
    { type: RecordType.SnapshotMarker, snapshot: { index: 5, term: 2 } },
  ];
  const buf = encodeRecords(records);
  const decoded: WalRecord[] = [];
  for (let at = 0; at < buf.length; ) {
    const frame = readFrame(buf, at);
    assert.ok(frame.ok);
    decoded.push(decodeRecord(frame.type, frame.payload));
    at = frame.end;
  }
  assert.deepEqual(decoded, records);
});

test("values that are not safe integers are refused when encoding", () => {
  const hs = (term: number): WalRecord => ({ type: RecordType.HardState, hardState: { term, vote: 0, commit: 0 } });
  assert.throws(() => encodeRecords([hs(2 ** 53)]), RangeError);
  assert.throws(() => encodeRecords([hs(-1)]), RangeError);
  assert.throws(() => encodeRecords([hs(1.5)]), RangeError);
});

test("frames report incomplete and CRC damage; the scan skips zeros and finds the next whole frame", () => {
  const one = encodeRecords([{ type: RecordType.SnapshotMarker, snapshot: { index: 1, term: 1 } }]);
  assert.deepEqual(readFrame(one.subarray(0, 5), 0), { ok: false, kind: "incomplete", reason: "record header cut short (5 of 12 bytes)" });
  assert.equal((readFrame(one.subarray(0, one.length - 1), 0) as { kind: string }).kind, "incomplete");
  const flipped = Buffer.from(one);
  flipped[20] = (flipped[20] ?? 0) ^ 1;
  assert.equal((readFrame(flipped, 0) as { kind: string }).kind, "crc");

  const zeros = Buffer.alloc(1000);
  assert.equal(findFrameAfter(zeros, 0), undefined);
  const mixed = Buffer.concat([Buffer.alloc(37), one, Buffer.alloc(10)]);
  assert.equal(findFrameAfter(mixed, 0), 37);
  assert.equal(findFrameAfter(mixed, 37), undefined);
});
