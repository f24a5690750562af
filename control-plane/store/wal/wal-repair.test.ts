import assert from "node:assert/strict";
import { appendFile, readFile, stat, truncate, unlink, writeFile } from "node:fs/promises";
import { test } from "node:test";
import { readFrame } from "./frame.ts";
import { Wal, WalCorruptError } from "./index.ts";
import { entries, metadata, plain, recordingLogger, tempDirs } from "./test-fixtures.ts";

const newDir = tempDirs("wal-repair");
const start = { index: 0, term: 0 };

/** Start offsets of the whole records in a segment file. */
function recordOffsets(buf: Buffer): number[] {
  const offsets: number[] = [];
  for (let at = 0; at < buf.length; ) {
    const frame = readFrame(buf, at);
    if (!frame.ok) break;
    offsets.push(at);
    at = frame.end;
  }
  return offsets;
}

/** A WAL holding entries 1..20 (acknowledged), closed; returns the path of its only segment. */
async function walWith20(dir: string, segmentBytes?: number): Promise<string[]> {
  const { logger } = recordingLogger();
  const wal = await Wal.create(dir, metadata, { logger, ...(segmentBytes ? { segmentBytes } : {}) });
  for (let i = 1; i <= 20; i += 5) await wal.save(entries(i, i + 4, 1, 200), { term: 1, vote: 1, commit: i + 4 });
  const files = wal.segmentFiles;
  await wal.close();
  return files;
}

async function flipByte(path: string, offset: number): Promise<void> {
  const buf = await readFile(path);
  buf[offset] = (buf[offset] ?? 0) ^ 0x40;
  await writeFile(path, buf);
}

test("a record cut short at the end of the last segment is cut off, logged, and reported", async () => {
  const dir = await newDir();
  const [file] = await walWith20(dir);
  const { logger } = recordingLogger();
  const { wal } = await Wal.open(dir, start, { logger });
  // An unacknowledged save whose write was torn by a crash: half of it reached the disk.
  await wal.save(entries(21, 21, 1, 200));
  await wal.close();
  const full = (await stat(file!)).size;
  const lastRecord = recordOffsets(await readFile(file!)).at(-1)!;
  await truncate(file!, lastRecord + 100);

  const log = recordingLogger();
  const got = await Wal.open(dir, start, { logger: log.logger });
  assert.deepEqual(got.repairedTail, { file, offset: lastRecord, droppedBytes: 100 });
  assert.deepEqual(plain(got.entries), plain(entries(1, 20, 1, 200)));
  const event = log.events.find((e) => e.event === "wal-torn-tail-cut");
  assert.equal(event?.file, file);
  assert.equal(event?.offset, lastRecord);
  assert.equal((await stat(file!)).size, lastRecord);
  assert.ok(full > lastRecord + 100);

  // Appends continue at the cut, and the next open sees a clean log.
  await got.wal.save(entries(21, 22, 2, 200), { term: 2, vote: 1, commit: 22 });
  await got.wal.close();
  const again = await Wal.open(dir, start, { logger: log.logger });
  assert.equal(again.repairedTail, undefined);
  assert.deepEqual(plain(again.entries), plain([...entries(1, 20, 1, 200), ...entries(21, 22, 2, 200)]));
  await again.wal.close();
});

test("zero fill after the last record is preallocated space, not damage: nothing is cut", async () => {
  const dir = await newDir();
  const [file] = await walWith20(dir);
  const size = (await stat(file!)).size;
  await appendFile(file!, Buffer.alloc(4096));

  const { logger, events } = recordingLogger();
  const got = await Wal.open(dir, start, { logger });
  assert.equal(got.repairedTail, undefined);
  assert.equal(events.filter((e) => e.event === "wal-torn-tail-cut").length, 0);
  assert.deepEqual(plain(got.entries), plain(entries(1, 20, 1, 200)));
  // Appends go where the records end, into the zeros.
  await got.wal.save(entries(21, 21, 1, 200), { term: 1, vote: 1, commit: 21 });
  await got.wal.close();
  assert.equal((await stat(file!)).size, size + 4096);
  const again = await Wal.open(dir, start, { logger });
  assert.deepEqual(plain(again.entries), plain(entries(1, 21, 1, 200)));
  await again.wal.close();
});

test("a torn record followed by zero fill is cut", async () => {
  const dir = await newDir();
  const [file] = await walWith20(dir);
  const size = (await stat(file!)).size;
  await appendFile(file!, Buffer.concat([pseudoRandomBytes(100, 7), Buffer.alloc(4096)]));

  const { logger } = recordingLogger();
  const got = await Wal.open(dir, start, { logger });
  assert.deepEqual(got.repairedTail, { file, offset: size, droppedBytes: 4196 });
  assert.deepEqual(plain(got.entries), plain(entries(1, 20, 1, 200)));
  await got.wal.close();
});

for (const [what, tail] of [
  ["random garbage", pseudoRandomBytes(3000, 42)],
  ["a few stray bytes", Buffer.from([1, 2, 3, 4, 5])],
] as const) {
  test(`${what} after the last record is cut off; acknowledged entries stay`, async () => {
    const dir = await newDir();
    const [file] = await walWith20(dir);
    const size = (await stat(file!)).size;
    await appendFile(file!, tail);

    const { logger, events } = recordingLogger();
    const got = await Wal.open(dir, start, { logger });
    assert.deepEqual(got.repairedTail, { file, offset: size, droppedBytes: tail.length });
    assert.deepEqual(plain(got.entries), plain(entries(1, 20, 1, 200)));
    assert.deepEqual(got.hardState, { term: 1, vote: 1, commit: 20 });
    assert.equal(events.filter((e) => e.event === "wal-torn-tail-cut").length, 1);
    await got.wal.close();
  });
}

test("a flipped byte in an earlier record refuses to open, naming file and offset", async () => {
  const dir = await newDir();
  const [file] = await walWith20(dir);
  const offsets = recordOffsets(await readFile(file!));
  const victim = offsets[8]!; // an entry record with many records after it
  await flipByte(file!, victim + 30);

  const { logger } = recordingLogger();
  await assert.rejects(Wal.open(dir, start, { logger }), (err) => {
    assert.ok(err instanceof WalCorruptError);
    assert.equal(err.file, file);
    assert.equal(err.offset, victim);
    assert.match(err.message, new RegExp(`${file}.*offset ${victim}`));
    assert.match(err.message, /CRC mismatch/);
    return true;
  });
});

test("a flipped length field is a CRC failure, not a silent re-framing", async () => {
  const dir = await newDir();
  const [file] = await walWith20(dir);
  const victim = recordOffsets(await readFile(file!))[6]!;
  await flipByte(file!, victim + 5); // second byte of the length: the record now claims to be huge

  const { logger } = recordingLogger();
  await assert.rejects(Wal.open(dir, start, { logger }), (err) => err instanceof WalCorruptError && err.offset === victim);
});

test("damage in an older segment refuses to open even with nothing after it in that file", async () => {
  const dir = await newDir();
  const files = await walWith20(dir, 1024);
  assert.ok(files.length >= 3);
  const older = files[1]!;
  const buf = await readFile(older);
  const lastRecord = recordOffsets(buf).at(-1)!;
  await truncate(older, buf.length - 10); // cut short: a torn record is only forgivable at the very end

  const { logger } = recordingLogger();
  await assert.rejects(Wal.open(dir, start, { logger }), (err) => {
    assert.ok(err instanceof WalCorruptError);
    assert.equal(err.file, older);
    assert.equal(err.offset, lastRecord);
    return true;
  });
});

test("a damaged final record cannot be told from a torn write and is cut", async () => {
  // Documented limit (etcd has it too): with nothing after it, bit rot in the very last record
  // looks exactly like a write the crash interrupted.
  const dir = await newDir();
  const [file] = await walWith20(dir);
  const lastRecord = recordOffsets(await readFile(file!)).at(-1)!;
  await flipByte(file!, lastRecord + 14);
  const { logger } = recordingLogger();
  const got = await Wal.open(dir, start, { logger });
  assert.equal(got.repairedTail?.offset, lastRecord);
  await got.wal.close();
});

test("a missing segment in the sequence refuses to open", async () => {
  const dir = await newDir();
  const files = await walWith20(dir, 1024);
  await unlink(files[1]!);
  const { logger } = recordingLogger();
  await assert.rejects(Wal.open(dir, start, { logger }), (err) => err instanceof WalCorruptError && err.file === files[2]);
});

/** Deterministic bytes (xorshift), so a failure reproduces. */
function pseudoRandomBytes(n: number, seed: number): Buffer {
  const buf = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf[i] = x & 0xff;
  }
  return buf;
}
