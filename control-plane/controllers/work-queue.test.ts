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
