import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { Snapshot } from "../../raft/index.ts";
import { SnapshotFiles, snapshotName } from "./index.ts";

const made: string[] = [];
after(async () => {
  for (const d of made) await rm(d, { recursive: true, force: true });
});
async function newDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "skiff-snap-"));
  made.push(d);
  return join(d, "snap"); // not created yet: save() must create it
}

function recording(): { events: Array<Record<string, unknown>>; logger: (e: Record<string, unknown>) => void } {
  const events: Array<Record<string, unknown>> = [];
  return { events, logger: (e) => void events.push(e) };
}

function snapshot(index: number, term: number, data = `kv state at ${index}`): Snapshot {
  return {
    data: new TextEncoder().encode(data),
    metadata: { index, term, confState: { voters: [1, 2, 2 ** 52 + 3], learners: [9] } },
  };
}

function plain(s: Snapshot | undefined): unknown {
  return s && { ...s, data: [...s.data] };
}

test("a saved snapshot loads back with its metadata and conf state", async () => {
  const dir = await newDir();
  const files = new SnapshotFiles(dir, recording());
  const s = snapshot(120, 4);
  await files.save(s);
  assert.deepEqual(await readdir(dir), [snapshotName(4, 120)]);
  assert.equal(snapshotName(4, 120), "0000000000000004-0000000000000078.snap");
  assert.deepEqual(plain(await files.loadNewest()), plain(s));
});

test("loadNewest picks the newest; accept limits it to points the WAL knows", async () => {
  const dir = await newDir();
  const files = new SnapshotFiles(dir, recording());
  for (const [index, term] of [[10, 1], [20, 1], [30, 2]] as const) await files.save(snapshot(index, term));
  assert.equal((await files.loadNewest())?.metadata.index, 30);
  assert.equal((await files.loadNewest((p) => p.index <= 20))?.metadata.index, 20);
  assert.equal(await files.loadNewest(() => false), undefined);
});

test("a corrupt newest file is skipped, logged and renamed to .broken", async () => {
  const dir = await newDir();
  const log = recording();
  const files = new SnapshotFiles(dir, log);
  await files.save(snapshot(10, 1));
  await files.save(snapshot(20, 1));
  const newest = join(dir, snapshotName(1, 20));
  const buf = await readFile(newest);
  buf[buf.length - 3] = (buf[buf.length - 3] ?? 0) ^ 1;
  await writeFile(newest, buf);

  assert.deepEqual(plain(await files.loadNewest()), plain(snapshot(10, 1)));
  assert.deepEqual((await readdir(dir)).sort(), [snapshotName(1, 10), `${snapshotName(1, 20)}.broken`]);
  const event = log.events.find((e) => e.event === "snapshot-file-broken");
  assert.equal(event?.file, newest);
  assert.match(String(event?.reason), /CRC mismatch/);
});

test("a truncated file and a file whose name disagrees with its content are both skipped", async () => {
  const dir = await newDir();
  const files = new SnapshotFiles(dir, recording());
  await files.save(snapshot(10, 1));
  await files.save(snapshot(20, 1));
  const good = await readFile(join(dir, snapshotName(1, 20)));
  await writeFile(join(dir, snapshotName(1, 30)), good.subarray(0, 20));
  await writeFile(join(dir, snapshotName(1, 40)), good); // renamed by hand: holds index 20
  assert.equal((await files.loadNewest())?.metadata.index, 20);
  assert.equal((await readdir(dir)).filter((n) => n.endsWith(".broken")).length, 2);
});

test("purge keeps the newest files; temp files left by a crash are removed at load", async () => {
  const dir = await newDir();
  const log = recording();
  const files = new SnapshotFiles(dir, log);
  for (let i = 1; i <= 5; i++) await files.save(snapshot(i * 10, 1));
  await writeFile(join(dir, `${snapshotName(1, 60)}.tmp`), "half");

  const removed = await files.purge(2);
  assert.deepEqual(removed.sort(), [10, 20, 30].map((i) => join(dir, snapshotName(1, i))));
  assert.deepEqual(await files.list(), [snapshotName(1, 50), snapshotName(1, 40)]);
  assert.equal((await files.loadNewest())?.metadata.index, 50);
  assert.deepEqual((await readdir(dir)).sort(), [snapshotName(1, 40), snapshotName(1, 50)]);
  assert.deepEqual(await files.purge(2), []);
});

test("an empty snapshot is not written and a missing directory loads nothing", async () => {
  const dir = await newDir();
  const files = new SnapshotFiles(dir, recording());
  assert.equal(await files.loadNewest(), undefined);
  await files.save(snapshot(0, 0));
  assert.deepEqual(await files.list(), []);
});
