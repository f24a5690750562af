import assert from "node:assert/strict";
import { test } from "node:test";
import { ReadIndexLoop } from "./read-index-loop.ts";

function harness() {
  const asked: string[] = [];
  let applied = 0;
  const loop = new ReadIndexLoop(
    { requestReadIndex: (ctx) => asked.push(new TextDecoder().decode(ctx)), appliedIndex: () => applied },
    60_000,
    () => new Error("timed out"),
  );
  return { loop, asked, setApplied: (i: number) => (applied = i) };
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test("a read waits until its read index is applied", async () => {
  const h = harness();
  let done = false;
  const r = h.loop.read().then(() => (done = true));
  assert.equal(h.asked.length, 1);
  h.loop.onReadState(enc(h.asked[0]!), 10);
  await tick();
  assert.equal(done, false, "not served before index 10 is applied");
  h.setApplied(9);
  h.loop.onApplied();
  await tick();
  assert.equal(done, false);
  h.setApplied(10);
  h.loop.onApplied();
  await r;
});

test("reads arriving during a round share the next round; stale answers are ignored", async () => {
  const h = harness();
  const first = h.loop.read();
  const second = h.loop.read();
  const third = h.loop.read();
  // The first read started a round at once; the other two wait together for one more.
  assert.equal(h.asked.length, 1);
  h.loop.onReadState(enc("someone-else"), 99);
  h.loop.onReadState(enc(h.asked[0]!), 5);
  assert.equal(h.asked.length, 2, "the waiting reads start the second round");
  h.setApplied(5);
  h.loop.onApplied();
  await first;
  let later = 0;
  void second.then(() => later++);
  void third.then(() => later++);
  await tick();
  assert.equal(later, 0, "the second round has not been answered");
  h.loop.onReadState(enc(h.asked[1]!), 6);
  h.setApplied(6);
  h.loop.onApplied();
  await Promise.all([second, third]);
  assert.equal(later, 2);
});

test("failAll rejects every waiting read", async () => {
  const h = harness();
  const a = h.loop.read();
  const b = h.loop.read();
  h.loop.failAll(new Error("stopped"));
  await assert.rejects(a, /stopped/);
  await assert.rejects(b, /stopped/);
});

test("an unanswered round asks again with the same context until answered", async () => {
  const asked: string[] = [];
  const loop = new ReadIndexLoop({ requestReadIndex: (ctx) => asked.push(new TextDecoder().decode(ctx)), appliedIndex: () => 7 }, 60_000, () => new Error("timed out"), 20);
  const r = loop.read();
  await new Promise((res) => setTimeout(res, 70));
  assert.ok(asked.length >= 3, `asked ${asked.length} times`);
  assert.equal(new Set(asked).size, 1, "every ask carries the round's context");
  loop.onReadState(enc(asked[0]!), 7);
  await r;
  const n = asked.length;
  await new Promise((res) => setTimeout(res, 50));
  assert.equal(asked.length, n, "an answered round stops asking");
});

test("contexts differ between lives of a member", () => {
  const contexts: string[] = [];
  for (let i = 0; i < 2; i++) {
    const loop = new ReadIndexLoop({ requestReadIndex: (ctx) => contexts.push(new TextDecoder().decode(ctx)), appliedIndex: () => 0 }, 60_000, () => new Error("x"));
    void loop.read().catch(() => {});
    loop.failAll(new Error("stopped"));
  }
  assert.equal(contexts.length, 2);
  assert.notEqual(contexts[0], contexts[1], "a restarted member's first round cannot match its predecessor's");
});
