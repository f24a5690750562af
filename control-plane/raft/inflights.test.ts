// The inflight window, ported from etcd-io/raft's tracker/inflights_test.go
// (this window counts messages only, not bytes).
import assert from "node:assert/strict";
import { test } from "node:test";
import { Inflights } from "./inflights.ts";

function filled(size: number, from: number, to: number): Inflights {
  const in_ = new Inflights(size);
  for (let i = from; i < to; i++) in_.add(i);
  return in_;
}

test("add fills the window up to its size, then throws", () => {
  const in_ = new Inflights(10);
  for (let i = 0; i < 10; i++) {
    assert.equal(in_.full(), false, `full after ${i}`);
    in_.add(i);
    assert.equal(in_.length(), i + 1);
  }
  assert.equal(in_.full(), true);
  assert.throws(() => in_.add(10), /full inflights/);
  assert.equal(in_.length(), 10);
});

test("freeLE frees everything up to and including the index, in order", () => {
  const in_ = filled(10, 0, 10);
  in_.freeLE(0);
  assert.equal(in_.length(), 9);
  in_.freeLE(4);
  assert.equal(in_.length(), 5);
  in_.freeLE(8);
  assert.equal(in_.length(), 1);
  // Wrap around the ring buffer.
  for (let i = 10; i < 15; i++) in_.add(i);
  assert.equal(in_.length(), 6);
  in_.freeLE(12);
  assert.equal(in_.length(), 2);
  in_.freeLE(14);
  assert.equal(in_.length(), 0);
  assert.equal(in_.full(), false);
});

test("freeLE below the oldest inflight, or on an empty window, frees nothing", () => {
  const in_ = filled(10, 5, 8);
  in_.freeLE(4);
  assert.equal(in_.length(), 3);
  in_.freeLE(5);
  assert.equal(in_.length(), 2);
  const empty = new Inflights(4);
  empty.freeLE(100);
  assert.equal(empty.length(), 0);
});

test("a freed window takes new messages again after wrapping", () => {
  const in_ = filled(15, 0, 15);
  in_.freeLE(6);
  assert.equal(in_.length(), 8);
  for (let i = 15; i < 22; i++) {
    assert.equal(in_.full(), false, `full at ${i}`);
    in_.add(i);
  }
  assert.equal(in_.full(), true);
  assert.throws(() => in_.add(100), /full inflights/);
  // The wrapped entries are freed in order too.
  in_.freeLE(18);
  assert.equal(in_.length(), 3);
  in_.freeLE(21);
  assert.equal(in_.length(), 0);
});

test("a window of one is full after one message", () => {
  const in_ = new Inflights(1);
  in_.add(1);
  assert.equal(in_.full(), true);
  in_.freeLE(1);
  assert.equal(in_.full(), false);
  in_.add(2);
  assert.equal(in_.full(), true);
});

test("a window of size 0 is always full", () => {
  const in_ = new Inflights(0);
  assert.equal(in_.full(), true);
  assert.throws(() => in_.add(1), /full inflights/);
});

test("freeFirstOne frees exactly the oldest message", () => {
  const in_ = filled(3, 1, 4);
  in_.freeFirstOne();
  assert.equal(in_.length(), 2);
  assert.equal(in_.full(), false);
  in_.freeLE(2);
  assert.equal(in_.length(), 1, "index 2 was the oldest left");
  in_.freeFirstOne();
  in_.freeFirstOne();
  assert.equal(in_.length(), 0);
});

test("reset empties the window without leaking across epochs", () => {
  const in_ = new Inflights(10);
  let index = 0;
  for (let epoch = 0; epoch < 100; epoch++) {
    in_.reset();
    for (let i = 0; i < 5; i++) {
      assert.equal(in_.full(), false);
      in_.add(++index);
    }
    in_.freeLE(index - 2);
    assert.equal(in_.full(), false);
    assert.equal(in_.length(), 2);
  }
  in_.freeLE(index);
  assert.equal(in_.length(), 0);
});
