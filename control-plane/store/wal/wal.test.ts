import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { basename } from "node:path";
import { test } from "node:test";
import { isWalError, Wal } from "./index.ts";
import { parseSegmentName } from "./segment-files.ts";
import { entries, metadata, plain, recordingLogger, tempDirs } from "./test-fixtures.ts";

const newDir = tempDirs("wal");
const start = { index: 0, term: 0 };

test("entries, hard state and metadata round-trip", async () => {
  const dir = await newDir();
  const { logger } = recordingLogger();
  const wal = await Wal.create(dir, metadata, { logger });
  await wal.save(entries(1, 5, 1, 40), { term: 1, vote: 3, commit: 2 });
  await wal.save(entries(6, 7, 2), { term: 2, vote: 0, commit: 6 });
  await wal.close();

  const got = await Wal.open(dir, start, { logger });
  assert.deepEqual([...got.metadata], [...metadata]);
  assert.deepEqual(got.hardState, { term: 2, vote: 0, commit: 6 });
  assert.deepEqual(plain(got.entries), plain([...entries(1, 5, 1, 40), ...entries(6, 7, 2)]));
  assert.equal(got.repairedTail, undefined);
  await got.wal.close();
});

test("a later save overwrites a suffix and drops what followed it", async () => {
  const dir = await newDir();
  const { logger } = recordingLogger();
  const wal = await Wal.create(dir, metadata, { logger });
  await wal.save(entries(1, 6, 1));
  await wal.save(entries(4, 5, 2)); // a new leader's log diverges at 4
  await wal.close();

  const first = await Wal.open(dir, start, { logger });
  assert.deepEqual(plain(first.entries), plain([...entries(1, 3, 1), ...entries(4, 5, 2)]));
  await first.wal.save(entries(6, 6, 2)); // appends continue after a reopen
  await first.wal.close();

  const second = await Wal.open(dir, start, { logger });
  assert.deepEqual(plain(second.entries), plain([...entries(1, 3, 1), ...entries(4, 6, 2)]));
  await second.wal.close();
});

test("segments rotate at segmentBytes and replay reads across all of them", async () => {
  const dir = await newDir();
  const { logger, events } = recordingLogger();
  const wal = await Wal.create(dir, metadata, { logger, segmentBytes: 4096 });
  for (let i = 1; i <= 200; i += 10) await wal.save(entries(i, i + 9, 1, 100), { term: 1, vote: 1, commit: i });
  await wal.close();

  const names = (await readdir(dir)).sort();
  assert.ok(names.length >= 5, `expected several segments, got ${names.join(", ")}`);
  assert.equal(events.filter((e) => e.event === "wal-segment-cut").length, names.length - 1);
  names.forEach((name, seq) => {
    const parsed = parseSegmentName(name);
    assert.equal(parsed?.seq, seq);
    // Each segment is named after the entry that follows the previous segment's last one.
    if (seq > 0) assert.equal((parsed!.firstIndex - 1) % 10, 0);
  });

  const got = await Wal.open(dir, start, { logger, segmentBytes: 4096 });
  assert.deepEqual(plain(got.entries), plain(entries(1, 200, 1, 100)));
  assert.deepEqual(got.hardState, { term: 1, vote: 1, commit: 191 });
  await got.wal.close();
});

test("releaseTo removes only segments wholly before the index; replay from the snapshot still works", async () => {
  const dir = await newDir();
  const { logger, events } = recordingLogger();
  const wal = await Wal.create(dir, metadata, { logger, segmentBytes: 4096 });
  for (let i = 1; i <= 200; i += 10) await wal.save(entries(i, i + 9, 3, 100), { term: 3, vote: 2, commit: i + 9 });
  const before = wal.segmentFiles.map((p) => parseSegmentName(basename(p))!);

  await wal.saveSnapshotMarker(150, 3);
  await wal.releaseTo(150);
  const after = wal.segmentFiles.map((p) => parseSegmentName(basename(p))!);
  // The kept segments start with the one holding index 150; every removed one ends before it.
  const firstKept = after[0]!;
  assert.ok(firstKept.firstIndex <= 150);
  assert.ok((after[1]?.firstIndex ?? Infinity) > 150);
  const removed = before.filter((s) => s.seq < firstKept.seq);
  assert.ok(removed.length > 0);
  for (const s of removed) assert.ok(before[s.seq + 1]!.firstIndex <= 150, `segment ${s.seq} held entries at or after 150`);
  assert.equal((await readdir(dir)).length, after.length);
  assert.equal(events.filter((e) => e.event === "wal-segments-released").length, 1);

  await wal.save(entries(201, 210, 3, 100), { term: 3, vote: 2, commit: 210 });
  await wal.close();

  const got = await Wal.open(dir, { index: 150, term: 3 }, { logger });
  assert.deepEqual(plain(got.entries), plain(entries(151, 210, 3, 100)));
  assert.deepEqual(got.hardState, { term: 3, vote: 2, commit: 210 });
  await got.wal.close();
  await assert.rejects(Wal.open(dir, start, { logger }), (err) => isWalError(err, "snapshot-not-found"));
});

test("open needs a marker for its snapshot point with the same term", async () => {
  const dir = await newDir();
  const { logger } = recordingLogger();
  const wal = await Wal.create(dir, metadata, { logger });
  await wal.save(entries(1, 20), { term: 1, vote: 1, commit: 15 });
  await wal.saveSnapshotMarker(10, 1);
  await wal.close();

  await assert.rejects(Wal.open(dir, { index: 12, term: 1 }, { logger }), (err) => isWalError(err, "snapshot-not-found"));
  await assert.rejects(Wal.open(dir, { index: 10, term: 2 }, { logger }), (err) => isWalError(err, "snapshot-mismatch"));
  const got = await Wal.open(dir, { index: 10, term: 1 }, { logger });
  assert.deepEqual(plain(got.entries), plain(entries(11, 20)));
  await got.wal.close();
});

test("readSnapshotMarkers lists the points at or below the commit index", async () => {
  const dir = await newDir();
  const { logger } = recordingLogger();
  const wal = await Wal.create(dir, metadata, { logger });
  await wal.save(entries(1, 30), { term: 1, vote: 1, commit: 20 });
  await wal.saveSnapshotMarker(10, 1);
  await wal.saveSnapshotMarker(20, 1);
  await wal.saveSnapshotMarker(25, 1); // not yet covered by a durable commit index
  await wal.close();
  assert.deepEqual(await Wal.readSnapshotMarkers(dir), [
    { index: 0, term: 0 },
    { index: 10, term: 1 },
    { index: 20, term: 1 },
  ]);
});

test("a snapshot ahead of every entry names the next segment after it", async () => {
  const dir = await newDir();
  const { logger } = recordingLogger();
  // Metadata larger than a segment makes every flush start a new segment.
  const bigMetadata = new Uint8Array(600).fill(7);
  const wal = await Wal.create(dir, bigMetadata, { logger, segmentBytes: 512 });
  await wal.save(entries(1, 10, 1, 64));
  await wal.saveSnapshotMarker(500, 4); // installed from the leader
  await wal.save(entries(501, 502, 4), { term: 4, vote: 0, commit: 502 });
  const last = parseSegmentName(basename(wal.segmentFiles.at(-1)!))!;
  assert.equal(last.firstIndex, 501);
  await wal.close();

  const got = await Wal.open(dir, { index: 500, term: 4 }, { logger });
  assert.deepEqual(plain(got.entries), plain(entries(501, 502, 4)));
  await got.wal.close();
});

test("create refuses a directory that holds a WAL; a closed WAL refuses saves", async () => {
  const dir = await newDir();
  const { logger } = recordingLogger();
  const wal = await Wal.create(dir, metadata, { logger });
  await assert.rejects(Wal.create(dir, metadata, { logger }), (err) => isWalError(err, "exists"));
  await wal.close();
  await assert.rejects(wal.save(entries(1, 1)), (err) => isWalError(err, "closed"));
  await assert.rejects(Wal.open(`${dir}/missing`, start, { logger }), (err) => isWalError(err, "not-found"));
});
