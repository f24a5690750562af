import assert from "node:assert/strict";
import { test } from "node:test";
import { RequestIds } from "./wait.ts";

test("request ids: exact numbers, the member's low bits on top, distinct across a restart", () => {
  const member = 0x1234_5678_9abc;
  const before = new RequestIds(member, 1_700_000_000_000);
  const used = new Set(Array.from({ length: 10_000 }, () => before.next()));
  assert.equal(used.size, 10_000);
  for (const id of used) {
    assert.ok(Number.isSafeInteger(id));
    assert.equal(Math.floor(id / 2 ** 37), member % 2 ** 16);
  }
  // Restarted a second later: its ids do not meet those of its previous life.
  const after = new RequestIds(member, 1_700_000_001_000);
  for (let i = 0; i < 10_000; i++) assert.ok(!used.has(after.next()));
});

test("request ids of different members differ in their top bits", () => {
  const a = new RequestIds(1, 5).next();
  const b = new RequestIds(2, 5).next();
  assert.notEqual(a, b);
  assert.equal(b - a, 2 ** 37);
});
