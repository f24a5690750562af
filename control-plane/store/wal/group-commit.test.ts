import assert from "node:assert/strict";
import { test } from "node:test";
import { GroupCommit } from "./group-commit.ts";

test("items submitted during a flush go out together in the next one", async () => {
  const batches: number[][] = [];
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => (release = r));
  const commits = new GroupCommit<number>(async (items) => {
    batches.push(items);
    if (batches.length === 1) await gate; // the first flush is slow
  });
  const first = commits.submit(1);
  await new Promise((r) => setImmediate(r)); // the first flush is now under way
  const rest = [2, 3, 4, 5].map((n) => commits.submit(n));
  release();
  await Promise.all([first, ...rest]);
  assert.deepEqual(batches, [[1], [2, 3, 4, 5]]);
});

test("a burst in one turn of the event loop is one batch", async () => {
  const batches: number[][] = [];
  const commits = new GroupCommit<number>(async (items) => void batches.push(items));
  await Promise.all([1, 2, 3].map((n) => commits.submit(n)));
  assert.deepEqual(batches, [[1, 2, 3]]);
});

test("a failed flush rejects its batch, the queued items and every later submit", async () => {
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => (release = r));
  const commits = new GroupCommit<number>(async () => {
    await gate;
    throw new Error("EIO");
  });
  const first = commits.submit(1);
  await new Promise((r) => setImmediate(r));
  const queued = commits.submit(2);
  release();
  await assert.rejects(first, /EIO/);
  await assert.rejects(queued, /EIO/);
  await assert.rejects(commits.submit(3), /EIO/);
  await commits.idle();
});
