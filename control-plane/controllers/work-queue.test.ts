import assert from "node:assert/strict";
import { test } from "node:test";
import { FakeClock } from "./clock.ts";
import { WorkQueue } from "./work-queue.ts";

test("a key added many times is processed once", async () => {
  const q = new WorkQueue(new FakeClock());
  q.add("ns/a");
  q.add("ns/b");
  q.add("ns/a");
  assert.equal(q.length, 2);
  assert.equal(await q.get(), "ns/a");
  assert.equal(await q.get(), "ns/b");
  assert.equal(q.length, 0);
});

test("a key added while processing waits for done and is never handed out twice at once", async () => {
  const q = new WorkQueue(new FakeClock());
  q.add("ns/a");
  const key = await q.get();
  q.add("ns/a");
  assert.equal(q.length, 0, "not queued while a worker holds it");
  q.done(key!);
  assert.equal(q.length, 1);
  assert.equal(await q.get(), "ns/a");
});

test("a waiting worker gets the next key", async () => {
  const q = new WorkQueue(new FakeClock());
  const waiting = q.get();
  q.add("ns/x");
  assert.equal(await waiting, "ns/x");
});

test("rate-limited requeues back off exponentially until forgotten", async () => {
  const clock = new FakeClock();
  const q = new WorkQueue(clock, { baseMs: 5, maxMs: 40 });
  const delays: number[] = [];
  for (let i = 0; i < 6; i++) {
    const start = clock.now();
    q.addRateLimited("ns/a");
    while (q.length === 0) clock.advance(1);
    delays.push(clock.now() - start);
    await q.get();
    q.done("ns/a");
  }
  assert.deepEqual(delays, [5, 10, 20, 40, 40, 40]);
  assert.equal(q.numRequeues("ns/a"), 6);
  q.forget("ns/a");
  assert.equal(q.numRequeues("ns/a"), 0);
});

test("addAfter keeps the earliest pending time", () => {
  const clock = new FakeClock();
  const q = new WorkQueue(clock);
  q.addAfter("ns/a", 1000);
  q.addAfter("ns/a", 100);
  q.addAfter("ns/a", 5000);
  clock.advance(99);
  assert.equal(q.length, 0);
  clock.advance(1);
  assert.equal(q.length, 1);
  assert.equal(clock.pendingTimers(), 0);
});

test("shutDown releases waiting workers and cancels timers", async () => {
  const clock = new FakeClock();
  const q = new WorkQueue(clock);
  const waiting = q.get();
  q.addAfter("ns/a", 10);
  q.shutDown();
  assert.equal(await waiting, undefined);
  assert.equal(clock.pendingTimers(), 0);
});

test("metrics: a repeated add counts once, a key added while processed counts again; waits, work and retries are reported", async () => {
  const clock = new FakeClock();
  const q = new WorkQueue(clock);
  const seen = { added: 0, taken: [] as number[], worked: [] as number[], retried: 0 };
  q.instrument({
    added: () => seen.added++,
    taken: (s) => seen.taken.push(s),
    worked: (s) => seen.worked.push(s),
    retried: () => seen.retried++,
  });
  q.add("a");
  q.add("a");
  q.add("b");
  assert.equal(seen.added, 2);
  assert.equal(q.depth, 2);
  clock.advance(100);
  assert.equal(await q.get(), "a");
  assert.deepEqual(seen.taken, [0.1]);
  assert.equal(q.depth, 1);
  q.add("a");
  assert.equal(seen.added, 3, "queued again while processed");
  assert.equal(q.depth, 2);
  clock.advance(200);
  q.done("a");
  assert.deepEqual(seen.worked, [0.2]);
  assert.equal(seen.added, 3, "done() requeues without counting another add");
  assert.equal(await q.get(), "b");
  assert.equal(await q.get(), "a");
  assert.deepEqual(seen.taken, [0.1, 0.3, 0.2]);
  assert.equal(q.depth, 0);
  q.addRateLimited("a");
  assert.equal(seen.retried, 1);
  q.shutDown();
});
