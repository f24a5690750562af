import assert from "node:assert/strict";
import { test } from "node:test";
import { Wal } from "./index.ts";
import { entry, metadata, plain, recordingLogger, tempDirs } from "./test-fixtures.ts";

const newDir = tempDirs("wal-group");
const start = { index: 0, term: 0 };

test("1,000 concurrent single-entry saves share a handful of fsyncs", async () => {
  const dir = await newDir();
  const { logger } = recordingLogger();
  const wal = await Wal.create(dir, metadata, { logger });
  const before = wal.fsyncs;
  const saves: Promise<void>[] = [];
  for (let i = 1; i <= 1000; i++) saves.push(wal.save([entry(i, 1, 256)], { term: 1, vote: 1, commit: i - 1 }));
  await Promise.all(saves);
  const used = wal.fsyncs - before;
  assert.ok(used >= 1 && used <= 10, `1,000 saves took ${used} fsyncs`);
  await wal.close();

  const got = await Wal.open(dir, start, { logger });
  assert.equal(got.entries.length, 1000);
  assert.deepEqual(plain(got.entries.slice(-1)), plain([entry(1000, 1, 256)]));
  assert.deepEqual(got.hardState, { term: 1, vote: 1, commit: 999 });
  await got.wal.close();
});

test("saves made while an fsync is in flight share the next fsync", async () => {
  const dir = await newDir();
  const { logger } = recordingLogger();
  const wal = await Wal.create(dir, metadata, { logger });
  const before = wal.fsyncs;
  const first = wal.save([entry(1)]);
  await new Promise((r) => setImmediate(r)); // the first save's write or fsync is now under way
  const rest: Promise<void>[] = [];
  for (let i = 2; i <= 50; i++) rest.push(wal.save([entry(i)]));
  await Promise.all([first, ...rest]);
  assert.equal(wal.fsyncs - before, 2);
  await wal.close();
});

test("each awaited save is its own fsync: nothing is acknowledged before it is durable", async () => {
  const dir = await newDir();
  const { logger } = recordingLogger();
  const wal = await Wal.create(dir, metadata, { logger });
  const before = wal.fsyncs;
  for (let i = 1; i <= 20; i++) await wal.save([entry(i)]);
  assert.equal(wal.fsyncs - before, 20);
  await wal.close();
});

test("a save with sync: false is written without an fsync and replayed like any other", async () => {
  const dir = await newDir();
  const { logger } = recordingLogger();
  const wal = await Wal.create(dir, metadata, { logger });
  await wal.save([entry(1), entry(2)], { term: 1, vote: 1, commit: 0 });
  const before = wal.fsyncs;
  await wal.save([], { term: 1, vote: 1, commit: 2 }, { sync: false });
  assert.equal(wal.fsyncs - before, 0);
  // Sharing a batch with a synced save, it is fsync'd with it.
  await Promise.all([wal.save([], { term: 1, vote: 1, commit: 2 }, { sync: false }), wal.save([entry(3)])]);
  assert.equal(wal.fsyncs - before, 1);
  await wal.close();

  const got = await Wal.open(dir, start, { logger });
  assert.equal(got.entries.length, 3);
  assert.deepEqual(got.hardState, { term: 1, vote: 1, commit: 2 });
  await got.wal.close();
});
