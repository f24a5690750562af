import assert from "node:assert/strict";
import { test } from "node:test";
import { RestartBackoff } from "./backoff.ts";

test("first restart at once, then 10 s doubling to 5 min, as kubelet", () => {
  const b = new RestartBackoff();
  let t = 1_000_000;
  assert.equal(b.waitUntil("p/c", t, t), undefined, "no entry: restart now");
  const delays: number[] = [];
  for (let i = 0; i < 8; i++) {
    delays.push(b.next("p/c", t));
    // the restarted container crashes 1 s later
    const finished = t + 1000;
    const until = b.waitUntil("p/c", finished, finished + 1);
    assert.equal(until, finished + delays[i]!);
    assert.equal(b.waitUntil("p/c", finished, until! - 1), until);
    assert.equal(b.waitUntil("p/c", finished, until!), undefined);
    t = until!;
  }
  assert.deepEqual(delays, [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
});

test("a container quiet for twice the maximum starts over at 10 s", () => {
  const b = new RestartBackoff();
  b.next("p/c", 0);
  b.next("p/c", 1);
  assert.equal(b.delayMs("p/c"), 20_000);
  assert.equal(b.next("p/c", 1 + 600_001), 10_000);
  b.forget("p/");
  assert.equal(b.delayMs("p/c"), undefined);
});
