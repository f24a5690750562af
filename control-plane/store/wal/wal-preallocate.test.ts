import assert from "node:assert/strict";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { Wal } from "./index.ts";
import { entries, metadata, plain, recordingLogger, tempDirs } from "./test-fixtures.ts";

const newDir = tempDirs("wal-prealloc");
const start = { index: 0, term: 0 };

async function sizes(dir: string): Promise<number[]> {
  const names = (await readdir(dir)).sort();
  return Promise.all(names.map(async (n) => (await stat(join(dir, n))).size));
}

test("a preallocated segment is zero-filled ahead of its records and replays like any other", async () => {
  const dir = await newDir();
  const { logger } = recordingLogger();
  const wal = await Wal.create(dir, metadata, { logger, preallocateBytes: 64 * 1024 });
  await wal.save(entries(1, 5, 1, 100), { term: 1, vote: 1, commit: 5 });
  await wal.close();
  const [size] = await sizes(dir);
  assert.ok(size! >= 64 * 1024, `segment is ${size} bytes`);

  const got = await Wal.open(dir, start, { logger, preallocateBytes: 64 * 1024 });
  assert.equal(got.repairedTail, undefined);
  assert.deepEqual(plain(got.entries), plain(entries(1, 5, 1, 100)));
  assert.deepEqual(got.hardState, { term: 1, vote: 1, commit: 5 });
  // Appends after a reopen go where the records end, not at the end of the file.
  await got.wal.save(entries(6, 8, 1, 100), { term: 1, vote: 1, commit: 8 });
  await got.wal.close();
  const again = await Wal.open(dir, start, { logger });
  assert.deepEqual(plain(again.entries), plain(entries(1, 8, 1, 100)));
  await again.wal.close();
});

test("appends past the preallocated space wait for the fill and never lose a record", async () => {
  const dir = await newDir();
  const { logger } = recordingLogger();
  // Small chunks, large saves: appends keep overtaking the fill.
  const wal = await Wal.create(dir, metadata, { logger, preallocateBytes: 4096, segmentBytes: 1 << 20 });
  const saves: Promise<void>[] = [];
  for (let i = 1; i <= 400; i += 4) saves.push(wal.save(entries(i, i + 3, 1, 700), { term: 1, vote: 1, commit: i }));
  await Promise.all(saves);
  await wal.close();
  const got = await Wal.open(dir, start, { logger });
  assert.equal(got.repairedTail, undefined);
  assert.deepEqual(plain(got.entries), plain(entries(1, 400, 1, 700)));
  await got.wal.close();
});

test("segments rotate as usual with preallocation and replay across all of them", async () => {
  const dir = await newDir();
  const { logger } = recordingLogger();
  const wal = await Wal.create(dir, metadata, { logger, segmentBytes: 8192, preallocateBytes: 4096 });
  for (let i = 1; i <= 200; i += 10) await wal.save(entries(i, i + 9, 1, 100), { term: 1, vote: 1, commit: i + 9 });
  await wal.close();
  assert.ok((await sizes(dir)).length >= 3);

  const got = await Wal.open(dir, start, { logger, segmentBytes: 8192, preallocateBytes: 4096 });
  assert.equal(got.repairedTail, undefined);
  assert.deepEqual(plain(got.entries), plain(entries(1, 200, 1, 100)));
  await got.wal.close();
});
